// The checks every public function runs on its arguments, each failure a GradwasmError naming
// the argument and the offending value.
import { OptionError } from './errors.js';

/** A short, safe rendering of any value for an error message. */
export function describe(value: unknown): string {
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  if (value === null || value === undefined || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  return 'an object';
}

/** Throw unless `value` is an integer in [min, max]. */
export function checkInteger(argument: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `in [${min}, ${max}]`;
    throw new OptionError(argument, `${argument} must be an integer ${range}, got ${describe(value)}`);
  }
  return value;
}

/** Throw if `options` has a key outside `known` (a typo would otherwise be silently ignored). */
export function checkKeys(argument: string, options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new OptionError(`${argument}.${key}`, `${argument} has an unknown option ${JSON.stringify(key)}; known: ${known.join(', ')}`);
    }
  }
}

/** Throw unless `value` is a plain object (not null, not an array). */
export function checkObject(argument: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new OptionError(argument, `${argument} must be an object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}
