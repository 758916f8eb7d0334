// The command line speaks in flags. Its options are checked as they are parsed (src/cli/main.ts),
// before any file is read; what the library says during the work, in the words of its API
// (options.learningRate), is said again here in the flags that set it (--lr).
import { GradwasmError, OptionError } from '../core/errors.js';

/** API words and the flags that set them; the longer phrases first. */
const FLAGS: readonly (readonly [string, string])[] = [
  ['options.stopOnExplodingLoss: false', '--no-stop-on-exploding-loss'],
  ['options.optimizer.momentum', '--momentum'],
  ['options.learningRate', '--lr'],
  ['options.weightDecay', '--l2'],
  ['options.classWeight', '--class-weight'],
  ['options.batchSize', '--batch'],
  ['options.epochs', '--epochs'],
  ['options.validationData', '--val'],
  ['options.validationSplit', '--val'],
  ['options.earlyStopping', '--patience'],
  ['options.testFraction', '--val'],
  ['options.label', '--label'],
  ['options.threshold', '--threshold'],
  ['options.threads', '--threads'],
  ['(a StandardScaler)', '(leave out --no-scale)'],
];

/** A GradwasmError of the library, said in flags; anything else as it is. */
export function inFlags(error: GradwasmError | Error): Error {
  if (!(error instanceof GradwasmError)) return error;
  let { message, argument } = error;
  for (const [api, flag] of FLAGS) {
    message = message.split(api).join(flag);
    if (argument === api || argument.startsWith(`${api}.`)) argument = flag;
  }
  return new OptionError(argument, message);
}
