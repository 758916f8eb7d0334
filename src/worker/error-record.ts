// Errors across a worker's message channel: structured clone keeps an Error's message but not its
// class or fields, so the worker sends a record and the host makes the same error of it.
import { BrokenModelError, DataError, DivergenceError, GradwasmError, MemoryLimitError, OptionError, type DataLocation } from '../errors.js';

/** An error as a plain object: its class by name, its fields. */
export interface ErrorRecord {
  name: string;
  message: string;
  argument?: string;
  fields?: Record<string, unknown>;
}

export function errorRecord(error: unknown): ErrorRecord {
  const e = error instanceof Error ? error : new Error(String(error));
  if (!(e instanceof GradwasmError)) return { name: e.name, message: e.message };
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(e)) if (key !== 'argument' && key !== 'name') fields[key] = value;
  return { name: e.name, message: e.message, argument: e.argument, fields };
}

/** The error a record describes: the same class with the same fields (an Error of that name if it was not gradwasm's). */
export function errorFromRecord(record: ErrorRecord): Error {
  const { name, message, argument = '', fields = {} } = record;
  switch (name) {
    case 'GradwasmError': return new GradwasmError(argument, message);
    case 'OptionError': return new OptionError(argument, message);
    case 'DataError': return new DataError(argument, message, fields as DataLocation);
    case 'DivergenceError': return new DivergenceError(argument, message, fields as never);
    case 'MemoryLimitError': return new MemoryLimitError(argument, message, fields as never);
    case 'BrokenModelError': return new BrokenModelError(argument, message, fields as never);
    default: return Object.assign(new Error(message), { name });
  }
}
