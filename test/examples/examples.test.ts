import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tsChildArgs } from '../support/ts-child.js';

const dir = fileURLToPath(new URL('../../examples/', import.meta.url));
/** Runnable examples are the numbered scripts; the rest are their modules. */
const examples = readdirSync(dir).filter((name) => /^\d\d-.*\.ts$/.test(name));

describe('examples', () => {
  it('finds the examples', () => {
    expect(examples).toContain('01-sqlite-resume.ts');
  });

  it.each(examples)(
    '%s runs to completion',
    (name) => {
      const result = spawnSync(process.execPath, tsChildArgs(`${dir}${name}`), {
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/✓/);
    },
    130_000,
  );
});
