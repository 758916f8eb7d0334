/**
 * The errors gradwasm throws. Every one is a {@link GradwasmError}: its message names the argument
 * and the offending value, row or column, and `argument` holds that name. A program that must
 * tell them apart branches on the subclass — {@link OptionError}, {@link DataError},
 * {@link DivergenceError}, {@link MemoryLimitError}, {@link BrokenModelError} — and reads its
 * fields instead of parsing messages.
 */
export class GradwasmError extends Error {
  // (each class names itself: minified bundles rename classes, so constructor.name would not do)
  /** The argument at fault, as the message names it (e.g. `"x"`, `"options.learningRate"`). */
  declare readonly argument: string;

  /** `fields`: what a subclass adds (its declared fields), by name: `new DataError('x', message, { row: 3 })`. */
  constructor(argument: string, message: string, fields?: object) {
    super(message);
    this.name = 'GradwasmError';
    this.argument = argument;
    Object.assign(this, fields);
  }
}

/** An option or argument that is not what the call takes: a wrong type, a value out of range, an unknown key, a call at the wrong time. */
export class OptionError extends GradwasmError {
  override readonly name = 'OptionError';
}

/** Where in the data a {@link DataError} is; what is not known (or not one place) is absent. */
export interface DataLocation {
  /** The file or argument that holds the data, as the message names it (`data.csv`, `x`, `model.json`). */
  readonly source?: string;
  /** The line of a text file, from 1 as editors count. */
  readonly line?: number;
  /** The row of a table, from 0 as arrays index (`x[row]`). */
  readonly row?: number;
  /** The column: its name when the table has names, else its index from 0. */
  readonly column?: string | number;
}

/** Data that cannot be used: a cell that is not a number, a label that is not a class, a ragged row, a malformed file. */
export class DataError extends GradwasmError implements DataLocation {
  override readonly name = 'DataError';
  declare readonly source?: string;
  declare readonly line?: number;
  declare readonly row?: number;
  declare readonly column?: string | number;
}

/** What made training diverge: a loss that became NaN or infinite, a loss past the exploding-loss limit, or a weight that became NaN or infinite. */
export type DivergenceCause = 'non-finite-loss' | 'exploding-loss' | 'non-finite-weights';

/** Training diverged: the model keeps the weights it had before the epoch; `argument` names the likely cause to change. */
export class DivergenceError extends GradwasmError {
  override readonly name = 'DivergenceError';
  /** The epoch (from 0) in which it happened. */
  declare readonly epoch: number;
  /** The batch of that epoch (from 0). */
  declare readonly batch: number;
  declare readonly cause: DivergenceCause;
}

/** A call needs more memory than the limit (`setMemoryLimit`, the 4 GiB a wasm32 module addresses, or what the engine would give). */
export class MemoryLimitError extends GradwasmError {
  override readonly name = 'MemoryLimitError';
  /** The bytes the call would have needed in all. */
  declare readonly bytes: number;
  /** The limit it met. */
  declare readonly limit: number;
}

/** The model cannot be used any more: an earlier call failed inside the core (`disposed` false), or it was disposed. */
export class BrokenModelError extends GradwasmError {
  override readonly name = 'BrokenModelError';
  declare readonly disposed: boolean;
}
