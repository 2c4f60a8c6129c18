/**
 * `runstate/testing` from `node:test`: runs `node-test-crash.ts` with
 * Node's own test runner in a child process (without vitest's environment).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const file = fileURLToPath(new URL('./node-test-crash.ts', import.meta.url));

describe('runstate/testing under node:test', () => {
  it('runs crashTest, faultyStorage and roundTrip, and passes', () => {
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST')),
    );
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--conditions=runstate-source', '--test', file],
      { encoding: 'utf8', env, timeout: 150_000 },
    );
    expect(result.stdout).toMatch(/# pass 3/);
    expect(result.stdout).toMatch(/# fail 0/);
    expect(result.status).toBe(0);
  }, 160_000);
});
