// Errors across a worker's message channel: structured clone keeps an Error's message but not its
// class or fields, so the worker sends a record and the host makes the same error of it.
import { BrokenModelError, DataError, DivergenceError, GradwasmError, MemoryLimitError, OptionError } from '../core/errors.js';

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

/** gradwasm's error classes by name: they all take (argument, message, fields). */
const CLASSES = { GradwasmError, OptionError, DataError, DivergenceError, MemoryLimitError, BrokenModelError };

/** The error a record describes: the same class with the same fields (an Error of that name if it was not gradwasm's). */
export function errorFromRecord(record: ErrorRecord): Error {
  const { name, message, argument = '', fields = {} } = record;
  if (!Object.hasOwn(CLASSES, name)) return Object.assign(new Error(message), { name });
  return new CLASSES[name as keyof typeof CLASSES](argument, message, fields);
}
