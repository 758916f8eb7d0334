/** Thrown when Ctrl-C (SIGINT) or SIGTERM stopped a command: the CLI says why in one line and
 *  exits with 128 + the signal's number, as shells do. */
export class Interrupted extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}
