/**
 * An error that stops persistence never vanishes: without `onError` and a
 * logger, the StateStore emits it as a process warning.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  MemoryStorage,
  createStateStore,
  type RunStateError,
  type StateStoreOptions,
} from '../../../src/index.js';
import { captureLogger } from './helpers.js';

const warnings: Error[] = [];
const listen = (warning: Error) => void warnings.push(warning);

/** Warnings are emitted on the next tick. */
const ticked = () => new Promise((resolve) => setImmediate(resolve));

afterEach(async () => {
  await ticked();
  process.off('warning', listen);
  warnings.length = 0;
});

/** A store whose entity `a` saves an unstorable state at 60 000. */
async function unstorableSave(options: Partial<StateStoreOptions>) {
  process.on('warning', listen);
  const store = createStateStore({
    runId: 'silent',
    schedule: 60_000,
    storage: await MemoryStorage.open(),
    ...options,
  });
  const [a] = await store.initRunState(0, [['a', {}]]);
  a!.updateState(1, { callback: () => 1 }).ackProcessedTime(60_000);
  await store.flush();
  await ticked();
  await store.close();
  return store;
}

describe('StateStore: errors nobody hears', () => {
  it('emits an unstorable state as a process warning without onError and logger', async () => {
    await unstorableSave({});
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      name: 'RunStateError',
      code: 'E_UNSTORABLE',
      details: { entityId: 'a' },
    });
  });

  it('logs it at error level instead when a logger is given', async () => {
    const { logger, lines } = captureLogger();
    await unstorableSave({ logger });
    expect(warnings).toEqual([]);
    expect(lines.filter((l) => l.level === 'error')).toMatchObject([
      { bindings: { runId: 'silent', code: 'E_UNSTORABLE' } },
    ]);
  });

  it('gives it to onError instead when onError is given', async () => {
    const errors: RunStateError[] = [];
    await unstorableSave({ onError: (error) => errors.push(error) });
    expect(warnings).toEqual([]);
    expect(errors.map((e) => e.code)).toEqual(['E_UNSTORABLE']);
  });

  it('emits a warning when onError throws and no logger is given', async () => {
    await unstorableSave({
      onError: () => {
        throw new Error('observer bug');
      },
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toBe(
      'onError callback threw; ignored: observer bug',
    );
  });
});
