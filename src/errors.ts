/**
 * The one error type gradwasm throws for misuse: bad input, bad options, a malformed model
 * file, a disposed model. Its message names the argument and the offending value, row or
 * column; `argument` holds that name for programs that want it.
 */
export class GradwasmError extends Error {
  /** The argument at fault, as the message names it (e.g. `"x"`, `"options.learningRate"`). */
  readonly argument: string;

  constructor(argument: string, message: string) {
    super(message);
    this.name = 'GradwasmError';
    this.argument = argument;
  }
}
