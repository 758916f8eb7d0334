import { expect } from 'vitest';
import { GradwasmError } from '../../src/index.js';

/** fn must throw a GradwasmError naming `argument`, whose message matches `message`. */
export function expectError(fn: () => unknown, argument: string, message: RegExp): GradwasmError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected a GradwasmError for ${argument}`).toBeInstanceOf(GradwasmError);
  expect((caught as GradwasmError).argument).toBe(argument);
  expect((caught as GradwasmError).message).toMatch(message);
  return caught as GradwasmError;
}
