// The static page's step view asks its worker (src/static/stepCopies.ts) rather than a server:
// each question goes with a number, and the worker's answer with that number settles it.

import type { FromWorker, ToWorker } from '../static/protocol.js';
import type { ExplainAnswer, StepAnswer } from '../studio/api.js';
import type { ExplanationSource, Sample } from './stepView.js';

export type Answer = Extract<FromWorker, { type: 'explanation' | 'stepped' | 'unanswered' }>;

export class WorkerSource implements ExplanationSource {
  private asked = 0;
  private readonly waiting = new Map<number, (answer: Answer) => void>();

  constructor(
    private readonly send: (message: ToWorker) => void,
    /** What the view's heading names. */
    public name: string,
  ) {}

  async explain({ reset, ...sample }: Sample & { reset: boolean }): Promise<ExplainAnswer> {
    const answer = await this.ask((id) => ({ type: 'explain', id, sample, reset }));
    if (answer.type !== 'explanation') throw new Error('the worker answered another question');
    return answer.answer;
  }

  async step(sample: Sample): Promise<StepAnswer> {
    const answer = await this.ask((id) => ({ type: 'explainStep', id, sample }));
    if (answer.type !== 'stepped') throw new Error('the worker answered another question');
    return answer.answer;
  }

  /** Settles the question the worker's answer is to. */
  receive(answer: Answer): void {
    const settle = this.waiting.get(answer.id);
    this.waiting.delete(answer.id);
    settle?.(answer);
  }

  /** The worker's answer to the question made with a fresh number; its error, thrown. */
  private ask(question: (id: number) => ToWorker): Promise<Answer> {
    const id = ++this.asked;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, (answer) =>
        answer.type === 'unanswered' ? reject(new Error(answer.error)) : resolve(answer),
      );
      this.send(question(id));
    });
  }
}
