// The `gradwasm` command line: train, predict, evaluate, export, explain, bench.
import { Command, InvalidArgumentError, Option } from 'commander';
import { GradwasmError } from '../core/errors.js';
import { HIDDEN_ACTIVATIONS } from '../network/layers.js';
import { MAX_UNITS } from '../core/limits.js';
import { positiveFloat32 } from '../network/optimizers.js';
import { bench } from './bench.js';
import { explainCommand } from './explain.js';
import { exportCommand } from './export.js';
import { inFlags } from './flags.js';
import { Interrupted } from './interrupted.js';
import { evaluate, predict } from './predict.js';
import type { Write } from './files.js';
import { train } from './train.js';
import { gradwasmVersion } from '../core/version.js';

const integer =
  (min: number, max = Number.MAX_SAFE_INTEGER) =>
  (text: string): number => {
    const n = Number(text);
    if (!/^-?\d+$/.test(text.trim()) || n < min || n > max) {
      throw new InvalidArgumentError(`expected an integer ${max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `in [${min}, ${max}]`}, got "${text}"`);
    }
    return n;
  };
/** The kernels take rates and decays as float32: they must stay finite (and non-zero) once rounded. */
const positive = (text: string): number => {
  const n = Number(text);
  if (text.trim() === '' || !positiveFloat32(n)) throw new InvalidArgumentError(`expected a number > 0, finite as a float32 (below 3.4e38), got "${text}"`);
  return n;
};
const nonNegative = (text: string): number => {
  const n = Number(text);
  if (text.trim() === '' || !(n === 0 || positiveFloat32(n)))
    throw new InvalidArgumentError(`expected a number ≥ 0, finite as a float32 (below 3.4e38), got "${text}"`);
  return n;
};
const batchSize = (text: string): number | 'all' => (text.trim() === 'all' ? 'all' : integer(1)(text));
const fraction = (text: string): number => {
  const n = Number(text);
  if (!(n >= 0 && n < 1) || text.trim() === '') throw new InvalidArgumentError(`expected a number in [0, 1), got "${text}"`);
  return n;
};
const probability = (text: string): number => {
  const n = Number(text);
  if (!(n >= 0 && n <= 1) || text.trim() === '') throw new InvalidArgumentError(`expected a number in [0, 1], got "${text}"`);
  return n;
};
const layerList = (text: string): number[] => {
  if (text.trim() === '') return []; // no hidden layer: logistic regression
  return text.split(',').map((part) => {
    const n = Number(part);
    if (!/^\s*\d+\s*$/.test(part) || n < 1 || n > MAX_UNITS)
      throw new InvalidArgumentError(`expected hidden layer sizes from 1 to ${MAX_UNITS} like 16,8 (or "" for none), got "${text}"`);
    return n;
  });
};

/** "balanced", or a weight for each class, 0:w0,1:w1 (both, in either order; numbers ≥ 0 finite as
 *  float32, not both 0): the library's classWeight. */
const classWeight = (text: string): 'balanced' | Record<number, number> => {
  if (text.trim() === 'balanced') return 'balanced';
  const weights: Record<number, number> = {};
  for (const part of text.split(',')) {
    const match = /^\s*(\d+)\s*:\s*([0-9.eE+]+)\s*$/.exec(part);
    const w = match ? Number(match[2]) : NaN;
    if (!match || Number(match[1]) in weights || !(w === 0 || positiveFloat32(w))) {
      throw new InvalidArgumentError(`expected "balanced" or a weight ≥ 0 for each class like 0:1,1:5, got "${text}"`);
    }
    weights[Number(match[1])] = w;
  }
  // (whether there is one for each class the data has, train checks once it has read them)
  if (!(0 in weights && 1 in weights) || Object.values(weights).every((w) => w === 0)) {
    throw new InvalidArgumentError(`expected "balanced" or a weight ≥ 0 for each of the classes 0, 1, …, not all 0, like 0:1,1:5, got "${text}"`);
  }
  return weights;
};

const backendOption = () => new Option('--backend <name>', 'where to compute').choices(['wasm', 'js']).default('wasm');
/** 'auto' or 1…256: the threads a 'wasm' model shares its work out between. */
const threadCount = (text: string): number | 'auto' => {
  if (text.trim() === 'auto') return 'auto';
  if (!/^\s*\d+\s*$/.test(text) || Number(text) < 1 || Number(text) > 256)
    throw new InvalidArgumentError(`expected "auto" or an integer from 1 to 256, got "${text}"`);
  return Number(text);
};
const threadsOption = () =>
  new Option('--threads <n>', 'threads for the wasm backend: a number, or "auto" (every core)').argParser(threadCount).default('auto');
const labelHelp = "the label column, by name or 0-based index (default: the model's, else 'label', else the last column)";
const trainLabelHelp = "the label column, by name or 0-based index (default: 'label', else the last column)";
/** A CSV cell separator: one character, "tab", or "auto" (whichever of , ; tab the first line holds). */
const delimiter = (text: string): string => {
  if (text === 'tab' || text === '\\t') return '\t';
  if (text === 'auto' || (text.length === 1 && !'"\r\n'.includes(text))) return text;
  throw new InvalidArgumentError(`expected one character such as , or ; or "tab" (or "auto"), got "${text}"`);
};
const delimiterOption = () =>
  new Option('--delimiter <char>', 'the CSV cell separator: , ; or tab (default: the one the first line shows)').argParser(delimiter).default('auto');

export function program(out: Write, err: (text: string) => void): Command {
  const print = (line: string) => void out(line + '\n');
  const cli = new Command('gradwasm')
    .description('Binary classifiers trained by gradient descent and back-propagation, in WebAssembly')
    .version(gradwasmVersion())
    .configureOutput({ writeOut: (text) => void out(text), writeErr: err })
    .exitOverride() // subcommands copy these settings when they are added below
    .showSuggestionAfterError();

  cli
    .command('train')
    .description(
      'train a model on a table file — CSV, Parquet or Arrow (numeric features; a label column of 0/1, of class names or codes, or of real values) — or a .npy file of float32 rows, streamed, and save it',
    )
    .argument(
      '<file>',
      'the training data: .csv, .parquet, .arrow/.feather (Arrow IPC; needs apache-arrow installed), or .npy (the label the last column unless --label says)',
    )
    .option('--label <column>', trainLabelHelp)
    .addOption(
      new Option(
        '--task <task>',
        'what the label column holds (default: read from it — exactly 0 and 1: binary; names, or up to max(10, rows/20) integers: multiclass)',
      ).choices(['binary', 'multiclass', 'regression']),
    )
    .addOption(delimiterOption())
    .option('--layers <sizes>', 'hidden layer sizes, e.g. 16,8; "" for logistic regression (default: 100, as scikit-learn\'s MLPClassifier)', layerList, [100])
    .addOption(new Option('--activation <name>', 'hidden activation').choices(HIDDEN_ACTIVATIONS).default('relu'))
    .addOption(
      new Option(
        '--optimizer <name>',
        'update rule (default: lbfgs for logistic regression held in memory — trained to its optimum, as scikit-learn does — adam otherwise)',
      ).choices(['sgd', 'momentum', 'nesterov', 'adam', 'lbfgs']),
    )
    .option('--momentum <m>', 'momentum coefficient (momentum, nesterov), in [0, 1]', probability, 0.9)
    .option(
      '--epochs <n>',
      'passes over the data; iterations for lbfgs, which stops once converged (default: 100 for lbfgs, 200 for MLPs, which stop sooner once converged, 50 otherwise)',
      integer(1),
    )
    .option('--lr <rate>', 'learning rate (default: 0.001 for adam, 0.01 otherwise)', positive)
    .option('--batch <n>', 'rows per update, or "all" for full-batch gradient descent (default: all for lbfgs, 200 for MLPs, 32 otherwise)', batchSize)
    .option('--val <fraction>', 'share of rows held out for validation (seeded); 0 for none', fraction, 0.2)
    .option('--seed <n>', 'seed for the split, initialisation and shuffling', integer(0, 2 ** 32 - 1), 1)
    .option('--l2 <decay>', "L2 weight decay on the kernels (default: 1/rows for logistic regression — scikit-learn's C = 1 — 0 for MLPs)", nonNegative)
    .option(
      '--class-weight <weights>',
      'weigh the classes of imbalanced data: "balanced" (rows / (2 × rows of the class)) or 0:w0,1:w1, e.g. 0:1,1:5',
      classWeight,
    )
    .option(
      '--patience <epochs>',
      "stop when the validation loss — the training loss with --val 0 — has not improved for this many epochs (best weights kept); MLPs default to 10 epochs without an improvement of 1e-4 (scikit-learn's n_iter_no_change and tol)",
      integer(1),
    )
    .option('--no-scale', 'do not z-score the features (by default the model learns and saves a scaler)')
    .option(
      '--no-scale-target',
      "regression: do not z-score the target (by default the model trains on it z-scored and predicts in its units, as scikit-learn's TransformedTargetRegressor)",
    )
    .option('--no-stop-on-exploding-loss', 'let training go on when the loss explodes (it always stops at NaN)')
    .option('--no-progress', 'no progress bar')
    .option('--compare-js', 'then time the same training on the wasm and js backends')
    .addOption(backendOption())
    .addOption(threadsOption())
    .option('--out <model.json>', 'save the trained model (with its scaler) here')
    .option('--stream', 'read the file pass by pass even when it would fit in memory (a file over 64 MiB always is)')
    .option('--cache <file.npy>', 'write the parsed table here on the first pass and read it on the later ones')
    .option('--checkpoint <file.json>', 'write the model with its training state here after every epoch and on Ctrl-C/SIGTERM')
    .option('--resume <file.json>', 'continue the run of a --checkpoint file, with the same flags, up to --epochs in all')
    .action(async (file: string, options) => train(file, options, print));

  cli
    .command('predict')
    .description('write P(Y=1) and the class of every row of a CSV file, as CSV')
    .argument('<model>', 'a model saved by train (or by toJSON)')
    .argument('<csv>', 'rows to predict: .csv, .parquet or .arrow, streamed (a label column, if any, is left out)')
    .option('--out <file>', 'write here instead of standard output')
    .option('--threshold <p>', 'class 1 above this probability', probability, 0.5)
    .option('--label <column>', 'a label column to leave out')
    .addOption(delimiterOption())
    .addOption(backendOption())
    .addOption(threadsOption())
    .action(async (model: string, csv: string, options) => predict(model, csv, options, out, (line) => err(line + '\n')));

  cli
    .command('evaluate')
    .description('loss, accuracy, precision, recall, F1, ROC AUC and confusion matrix on a labelled CSV file')
    .argument('<model>', 'a saved model')
    .argument('<csv>', 'labelled rows: .csv, .parquet or .arrow, streamed')
    .option('--threshold <p>', 'class 1 above this probability', probability, 0.5)
    .option('--label <column>', labelHelp)
    .addOption(delimiterOption())
    .addOption(backendOption())
    .addOption(threadsOption())
    .action(async (model: string, csv: string, options) => evaluate(model, csv, options, print));

  cli
    .command('export')
    .description('write a saved model as ONNX (onnxruntime and every ONNX tool) and/or TensorFlow.js Layers files')
    .argument('<model>', 'a saved model')
    .option('--onnx <file.onnx>', 'the ONNX file (opset 13; raw features in, the scaler inside)')
    .option('--tfjs <directory>', 'a TensorFlow.js Layers model: directory/model.json and weights.bin')
    .action(async (model: string, options) => exportCommand(model, options, print));

  cli
    .command('explain')
    .description("show back-propagation step by step: the article's neuron (x = 3, w = 3), or a model on one CSV row")
    .argument('[model]', 'a saved model (default: the article’s one neuron)')
    .argument('[csv]', 'the data to take the row from: .csv, .parquet or .arrow')
    .option('--row <n>', '1-based data row', integer(1), 1)
    .option('--label <column>', labelHelp)
    .addOption(delimiterOption())
    .addOption(backendOption())
    .action(async (model: string | undefined, csv: string | undefined, options) => explainCommand(model, csv, options, print));

  cli
    .command('bench')
    .description('run the benchmark suite (from a clone of the repository): gradwasm vs its js backend vs TensorFlow.js')
    .option('--quick', 'tiny sizes, seconds: checks that it runs')
    .option('--only <workloads>', 'e.g. W1,W2')
    .addOption(
      new Option('--threads <n>', 'the threads gradwasm-wasm is measured with beside one: a number, or "auto" (every core)')
        .argParser(threadCount)
        .default('auto'),
    )
    .action(async (options: { quick?: boolean; only?: string; threads: number | 'auto' }) => {
      process.exitCode = await bench([
        ...(options.quick ? ['--quick'] : []),
        ...(options.only ? [`--only=${options.only}`] : []),
        `--threads=${options.threads}`,
      ]);
    });

  return cli;
}

/** Run the command line; returns the exit code. Misuse and bad files: one line, exit 1. */
export async function run(
  argv: string[],
  out: Write = (t: string) => void process.stdout.write(t),
  err = (t: string) => void process.stderr.write(t),
): Promise<number> {
  const cli = program(out, err);
  try {
    await cli.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof GradwasmError || error instanceof Interrupted) {
      err(`gradwasm: ${inFlags(error).message}\n`);
      return error instanceof Interrupted ? error.exitCode : 1;
    }
    const code = (error as { code?: string; exitCode?: number }).code;
    if (typeof code === 'string' && code.startsWith('commander.')) {
      // commander has printed its message (or the help / version): pass its exit code on
      return (error as { exitCode: number }).exitCode;
    }
    throw error;
  }
}
