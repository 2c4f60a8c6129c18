import { describe, expect, it } from 'vitest';
import {
  MemoryStorage,
  startRun,
  type RunOptions,
} from '../../../src/index.js';

const storage = await MemoryStorage.open();
const valid: RunOptions = {
  runId: 'r',
  storage,
  schedule: 1_000,
  startFrom: 0,
  entities: { a: { initial: 0, reduce: (n: number) => n } },
  input: () => [],
};

describe('startRun(options)', () => {
  it.each([
    ['runId', { runId: '' }, RangeError, /options\.runId/],
    ['storage', { storage: null }, TypeError, /options\.storage/],
    ['schedule', { schedule: 0 }, RangeError, /schedule/],
    ['startFrom', { startFrom: -5 }, RangeError, /options\.startFrom.*-5/],
    [
      'startFrom (its first savepoint beyond safe integers)',
      { startFrom: Number.MAX_SAFE_INTEGER - 10 },
      RangeError,
      /options\.startFrom: timestamp 9007199254740981 has no next savepoint/,
    ],
    ['input', { input: 'x' }, TypeError, /options\.input/],
    ['output', { output: 1 }, TypeError, /options\.output/],
    ['update', { update: {} }, TypeError, /options\.update/],
    [
      'lateness',
      { lateness: 'later' },
      TypeError,
      /options\.lateness.*"later"/,
    ],
    ['maxRestarts', { maxRestarts: -1 }, RangeError, /options\.maxRestarts/],
    ['withinMs', { withinMs: 1.5 }, RangeError, /options\.withinMs/],
    [
      'restartDelayMs',
      { restartDelayMs: '1' },
      TypeError,
      /options\.restartDelayMs/,
    ],
    ['onRestart', { onRestart: true }, TypeError, /options\.onRestart/],
    ['now', { now: 0 }, TypeError, /options\.now/],
    ['entities', { entities: [] }, TypeError, /options\.entities/],
    ['entities (none)', { entities: {} }, RangeError, /at least one entity/],
    [
      'an entity',
      { entities: { a: 3 } },
      TypeError,
      /options\.entities\["a"\]/,
    ],
    [
      'an entity reduce',
      { entities: { a: { initial: 0 } } },
      TypeError,
      /options\.entities\["a"\].*reduce/,
    ],
    [
      'an entity accepts',
      { entities: { a: { initial: 0, reduce: () => 0, accepts: 1 } } },
      TypeError,
      /options\.entities\["a"\]\.accepts/,
    ],
    [
      'an entity machine',
      { entities: { a: { machine: 'm' } } },
      TypeError,
      /options\.entities\["a"\]\.machine/,
    ],
  ])('rejects a bad %s synchronously, naming it', (_, patch, type, message) => {
    expect(() =>
      startRun({ ...valid, ...(patch as Partial<RunOptions>) }),
    ).toThrow(type);
    expect(() =>
      startRun({ ...valid, ...(patch as Partial<RunOptions>) }),
    ).toThrow(message);
  });

  it('rejects missing options', () => {
    expect(() => startRun(undefined as unknown as RunOptions)).toThrow(
      TypeError,
    );
  });
});
