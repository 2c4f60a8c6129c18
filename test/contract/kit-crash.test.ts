/**
 * Contract probes of docs/testing.md and api.md "crashTest(options)" and
 * "crashTestChild()": a bad option is a TypeError/RangeError naming it (the
 * promise rejects with it); outside a child, crashTestChild() is
 * E_INVALID_STATE.
 */
import { describe, expect, it } from 'vitest';
import { isRunStateError } from 'runstate';
import { crashTest, crashTestChild } from 'runstate/testing';

const script = 'never-run.mjs';

describe('crashTest: options are checked, naming the bad one', () => {
  it('a non-boolean keepFiles is a TypeError naming options.keepFiles and the value', async () => {
    const keepFiles = 'yes' as unknown as boolean;
    await expect(crashTest({ script, keepFiles })).rejects.toThrow(TypeError);
    await expect(crashTest({ script, keepFiles })).rejects.toThrow(
      /options\.keepFiles.*"yes"/,
    );
  });

  it('a URL script that is not a file: URL is a TypeError naming options.script', async () => {
    const bad = new URL('https://example.invalid/my-processor.ts');
    await expect(crashTest({ script: bad })).rejects.toThrow(TypeError);
    await expect(crashTest({ script: bad })).rejects.toThrow(
      /options\.script.*https:\/\/example\.invalid/,
    );
  });

  it('kills, seed, killWindowMs and timeoutMs out of range are RangeErrors naming them', async () => {
    const cases = [
      [{ kills: -1 }, /options\.kills.*-1/],
      [{ seed: 1.5 }, /options\.seed.*1\.5/],
      [{ killWindowMs: 0 }, /options\.killWindowMs.*0/],
      [{ timeoutMs: 0 }, /options\.timeoutMs.*0/],
    ] as const;
    for (const [options, message] of cases) {
      const error: unknown = await crashTest({ script, ...options }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, JSON.stringify(options)).toBeInstanceOf(RangeError);
      expect((error as Error).message).toMatch(message);
    }
  });

  it('args, nodeArgs and env of the wrong type are TypeErrors naming them', async () => {
    await expect(
      crashTest({ script, args: [1] as unknown as string[] }),
    ).rejects.toThrow(/options\.args/);
    await expect(
      crashTest({ script, nodeArgs: 'x' as unknown as string[] }),
    ).rejects.toThrow(/options\.nodeArgs/);
    await expect(
      crashTest({ script, env: { A: 1 } as unknown as Record<string, string> }),
    ).rejects.toThrow(/options\.env\.A/);
  });

  it('crashTestChild() outside a child of crashTest is E_INVALID_STATE', () => {
    let error: unknown;
    try {
      crashTestChild();
    } catch (e) {
      error = e;
    }
    expect(isRunStateError(error, 'E_INVALID_STATE')).toBe(true);
  });
});
