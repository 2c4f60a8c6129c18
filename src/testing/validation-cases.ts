/**
 * Conformance: argument validation. Every bad argument rejects (never
 * throws synchronously) with a `TypeError`/`RangeError` naming it, and
 * writes nothing.
 */
import { describe, expect, it } from 'vitest';
import type { StorageAdapter } from '../storage/index.js';
import {
  bytes,
  savepoint,
  useFixture,
  type StorageFactory,
} from './fixture.js';

type Call = (s: StorageAdapter) => Promise<unknown>;
type Case = [label: string, call: Call, error: typeof TypeError, name: RegExp];

/** Bypass the types to pass what a JavaScript caller could. */
const any = (value: unknown): never => value as never;

const BAD_RUN_IDS: [string, unknown, typeof TypeError][] = [
  ['an empty runId', '', RangeError],
  ['a numeric runId', 42, TypeError],
  ['a runId over 1024 characters', 'x'.repeat(1025), RangeError],
  ['a runId with a lone high surrogate', 'run-\ud800', TypeError],
  ['a runId with a lone low surrogate', '\udc00-run', TypeError],
  ['a runId with surrogates in reverse order', '\ude80\ud83d', TypeError],
];

const RUN_ID_CASES: Case[] = BAD_RUN_IDS.flatMap(([label, id, error]) => [
  [
    `isInitialized with ${label}`,
    (s) => s.isInitialized(any(id)),
    error,
    /runId/,
  ],
  [`initRun with ${label}`, (s) => s.initRun(any(id)), error, /runId/],
  [
    `writeSavepoint with ${label}`,
    (s) => s.writeSavepoint(any(id), savepoint(1), { keep: 1 }),
    error,
    /runId/,
  ],
  [
    `readSavepoint with ${label}`,
    (s) => s.readSavepoint(any(id)),
    error,
    /runId/,
  ],
  [
    `newestTimestamp with ${label}`,
    (s) => s.newestTimestamp(any(id)),
    error,
    /runId/,
  ],
  [
    `listSavepoints with ${label}`,
    (s) => s.listSavepoints(any(id)),
    error,
    /runId/,
  ],
  [`prune with ${label}`, (s) => s.prune(any(id), 1), error, /runId/],
  [
    `quarantineSavepoint with ${label}`,
    (s) => s.quarantineSavepoint(any(id), 1),
    error,
    /runId/,
  ],
  [`deleteRun with ${label}`, (s) => s.deleteRun(any(id)), error, /runId/],
]);

const write = (sp: unknown, options: unknown = { keep: 1 }): Call => {
  return (s) => s.writeSavepoint('r', any(sp), any(options));
};

const ARGUMENT_CASES: Case[] = [
  [
    'a negative timestamp',
    (s) => s.readSavepoint('r', -1),
    RangeError,
    /timestamp.*-1/,
  ],
  [
    'a fractional timestamp',
    (s) => s.quarantineSavepoint('r', 1.5),
    RangeError,
    /timestamp/,
  ],
  [
    'a NaN timestamp',
    (s) => s.readSavepoint('r', NaN),
    RangeError,
    /timestamp/,
  ],
  [
    'a string timestamp',
    (s) => s.readSavepoint('r', any('1')),
    TypeError,
    /timestamp/,
  ],
  ['keep 0 in prune', (s) => s.prune('r', 0), RangeError, /keep/],
  ['keep 1.5 in prune', (s) => s.prune('r', 1.5), RangeError, /keep/],
  ['no savepoint', write(undefined), TypeError, /savepoint/],
  [
    'a savepoint timestamp of -5',
    write(savepoint(-5)),
    RangeError,
    /savepoint\.timestamp/,
  ],
  [
    'entries that are not an array',
    write({ timestamp: 1, entries: {} }),
    TypeError,
    /savepoint\.entries/,
  ],
  [
    'an entry that is not a pair',
    write({ timestamp: 1, entries: [['a']] }),
    TypeError,
    /entries\[0\]/,
  ],
  [
    'an entry with an empty id',
    write({ timestamp: 1, entries: [['', bytes(1)]] }),
    RangeError,
    /entries\[0\]\[0\]/,
  ],
  [
    'an entry whose id has a lone surrogate',
    write({ timestamp: 1, entries: [['e\udfff', bytes(1)]] }),
    TypeError,
    /entries\[0\]\[0\].*\\udfff/,
  ],
  [
    'bytes that are an array',
    write({ timestamp: 1, entries: [['a', [1, 2]]] }),
    TypeError,
    /entries\[0\]\[1\]/,
  ],
  [
    'bytes that are a string',
    write({ timestamp: 1, entries: [['a', 'xy']] }),
    TypeError,
    /Uint8Array/,
  ],
  [
    'a duplicate entity id',
    write({
      timestamp: 1,
      entries: [
        ['dup', bytes(1)],
        ['b', bytes(2)],
        ['dup', bytes(3)],
      ],
    }),
    TypeError,
    /"dup"/,
  ],
  ['no options', write(savepoint(1), null), TypeError, /options/],
  ['keep 0', write(savepoint(1), { keep: 0 }), RangeError, /options\.keep/],
  [
    'a string keep',
    write(savepoint(1), { keep: '2' }),
    TypeError,
    /options\.keep/,
  ],
];

/** The conformance cases of argument validation (`TypeError`/`RangeError`). */
export function describeValidation(factory: StorageFactory): void {
  describe('argument validation', () => {
    const ctx = useFixture(factory);

    it.each([...RUN_ID_CASES, ...ARGUMENT_CASES])(
      'rejects %s, naming the argument',
      async (_, call, error, name) => {
        const { storage } = ctx();
        let promise: Promise<unknown> | undefined;
        expect(() => {
          promise = call(storage);
        }).not.toThrow();
        await expect(promise).rejects.toThrow(error);
        await expect(promise).rejects.toThrow(name);
        expect(await storage.listRuns()).toEqual([]);
      },
    );
  });
}
