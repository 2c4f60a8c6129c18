/**
 * `runstate/testing` under `node:test` (run by `node-test.test.ts`, not by
 * vitest): the crash harness, faultyStorage and roundTrip work without
 * vitest, which is never loaded outside a vitest worker.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryStorage } from 'runstate';
import {
  crashTest,
  describeStorageAdapter,
  faultyStorage,
  roundTrip,
} from 'runstate/testing';

void test('crashTest passes a correct processor', async () => {
  const report = await crashTest({
    script: new URL('./processor.ts', import.meta.url),
    nodeArgs: ['--conditions=runstate-source'],
    kills: 2,
    seed: 99,
    env: { MESSAGES: '100000' },
  });
  assert.ok(report.kills > 0, `no kill landed: ${JSON.stringify(report)}`);
});

void test('faultyStorage and roundTrip work', async () => {
  const storage = faultyStorage(new MemoryStorage(), {
    failNext: { count: 1 },
  });
  await assert.rejects(storage.listRuns(), { code: 'E_STORAGE' });
  assert.deepEqual(await storage.listRuns(), []);
  assert.deepEqual(roundTrip(new Set([1])), new Set([1]));
});

void test('the conformance suite says it needs vitest', () => {
  assert.throws(
    () => describeStorageAdapter('x', () => Promise.reject(new Error())),
    /call it in a test file run by vitest/,
  );
});
