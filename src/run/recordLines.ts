// A line of a run folder's logs (events.jsonl, metrics.jsonl) parsed as its readers take it:
// the reader of a whole log (eventLog.ts, runFiles.ts) and the studio's tail of a growing one
// (studio/eventTail.ts).

import { EXIT, UserError } from '../errors.js';
import { recordProblem, type EventLine, type HistoryLine } from '../train/records.js';

/**
 * Line `number` of `file`, an events.jsonl (`event`) or a metrics.jsonl (`history`), parsed:
 * the record, or null when the line does not parse (cut by a crash, or being appended: it ends
 * the log). Throws UserError naming the file and the line when it parses but is not such a
 * record (a damaged file).
 */
export function parseRecordLine<T extends EventLine | HistoryLine>(
  text: string,
  kind: 'event' | 'history',
  file: string,
  number: number,
): T | null {
  let line: unknown;
  try {
    line = JSON.parse(text);
  } catch {
    return null;
  }
  const problem = recordProblem(line, kind);
  if (problem) throw new UserError(`${file}: line ${number}: ${problem}`, EXIT.input);
  return line as T;
}
