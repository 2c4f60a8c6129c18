import { expect } from 'vitest';
import { RunStateError } from '../../src/errors.js';

/** The RunStateError that `fn` throws (fails the test if it throws anything else or nothing). */
export function thrown(fn: () => unknown): RunStateError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(RunStateError);
    return error as RunStateError;
  }
  throw new Error('expected a RunStateError');
}
