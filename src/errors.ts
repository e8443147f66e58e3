// Errors that reach the user as one line and an exit code. Anything else is a bug and keeps its
// stack trace.

/** Exit codes, documented in the README. */
export const EXIT = {
  ok: 0,
  /** The command ran but its result is wrong: a failed check, a diverged run. */
  failed: 1,
  /** The command line is wrong: an unknown option, a value out of range. */
  usage: 2,
  /** An input or output file is wrong: data, model, run folder. */
  input: 3,
  /** Interrupted by SIGINT or SIGTERM. */
  interrupted: 130,
} as const;

export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A data file (IDX) or data folder is missing or malformed. */
export class DataError extends UserError {
  constructor(message: string) {
    super(message, EXIT.input);
  }
}

/** A model file is missing or malformed. */
export class ModelError extends UserError {
  constructor(message: string) {
    super(message, EXIT.input);
  }
}

/** An option has a value the command cannot use. */
export class UsageError extends UserError {
  constructor(message: string) {
    super(message, EXIT.usage);
  }
}

/** The loss or a gradient stopped being finite. */
export class DivergenceError extends UserError {
  constructor(message: string) {
    super(message, EXIT.failed);
  }
}

/** Training stopped on request (SIGINT, SIGTERM) after a batch. */
export class InterruptedError extends UserError {
  constructor(message: string) {
    super(message, EXIT.interrupted);
  }
}
