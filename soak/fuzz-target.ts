/**
 * The fuzz part's targets: one place (a parameter or an option of a public
 * function) to put an invalid value, and helpers to describe them.
 */
import type fc from 'fast-check';
import type { StorageAdapter } from 'runstate';
import { badObject } from './fuzz-arbitraries.js';

/** One place to put an invalid value. */
export interface FuzzTarget {
  readonly name: string;
  readonly arb: fc.Arbitrary<unknown>;
  readonly call: (value: unknown) => unknown;
  /** The storage the call used, checked usable after the target's runs. */
  readonly storage?: StorageAdapter;
}

export type Fn = (...args: unknown[]) => unknown;
/** Not iterable (a string is: a string of one-letter ids is valid). */
export const notIterable = badObject.filter((v) => typeof v !== 'string');
export const loose = (f: unknown) => f as Fn;

/** Targets for each option of an options object. */
export function options(
  name: string,
  valid: () => Record<string, unknown>,
  keys: Record<string, fc.Arbitrary<unknown>>,
  call: (o: unknown) => unknown,
): FuzzTarget[] {
  return [
    { name: `${name}(options)`, arb: badObject, call },
    ...Object.entries(keys).map(([key, arb]) => ({
      name: `${name}({ ${key} })`,
      arb,
      call: (v: unknown) => call({ ...valid(), [key]: v }),
    })),
  ];
}
