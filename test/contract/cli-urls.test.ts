/**
 * Contract probes of docs/cli.md "Storage URLs": the forms, their defaults,
 * and what is a usage error (exit 2) naming the URL.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStorageUrl, parseStorageUrl } from 'runstate/cli';
import { cleanUp, runBin } from '../cli/support.js';

afterAll(cleanUp);

describe('storage URLs', () => {
  it('parseStorageUrl takes each documented form apart', () => {
    expect(parseStorageUrl('sqlite:state.db')).toEqual({
      kind: 'sqlite',
      path: 'state.db',
    });
    expect(parseStorageUrl('state.sqlite3')).toEqual({
      kind: 'sqlite',
      path: 'state.sqlite3',
    });
    expect(parseStorageUrl('file:dir?compression=brotli')).toEqual({
      kind: 'file',
      directory: 'dir',
      compression: 'brotli',
    });
    expect(parseStorageUrl('file:///abs/dir')).toMatchObject({
      kind: 'file',
      directory: '/abs/dir',
    });
    expect(parseStorageUrl('redis://h:6379/0?prefix=app:')).toMatchObject({
      kind: 'redis',
      prefix: 'app:',
    });
    expect(
      parseStorageUrl('postgres://u@h:5432/db?schema=s&sslmode=disable'),
    ).toMatchObject({ kind: 'postgres', schema: 's' });
  });

  it('an unknown parameter of a Redis URL is a RangeError naming the URL and the parameter', () => {
    const url = 'redis://127.0.0.1:6379/0?prefix=a:&prefx=b:';
    expect(() => parseStorageUrl(url)).toThrow(RangeError);
    expect(() => parseStorageUrl(url)).toThrow(/redis:.*prefx/);
  });

  it('an unknown parameter of a Redis URL is a usage error (exit 2) naming the URL', async () => {
    const url = 'redis://127.0.0.1:6379?prefx=oops:';
    const r = await runBin(['runs', url]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`"${url}"`);
    expect(r.stderr).toMatch(/^runstate: error E_USAGE: /);
  });

  it('an unknown parameter of a file URL, an unknown compression, an unknown scheme: exit 2 naming the URL', async () => {
    for (const url of [
      'file:./x?level=9',
      'file:./x?compression=zip',
      'mysql://localhost/db',
      'state.json',
    ]) {
      const r = await runBin(['runs', url]);
      expect(r.status, url).toBe(2);
      expect(r.stderr, url).toContain(JSON.stringify(url));
    }
  }, 120_000);
});

describe('openStorageUrl', () => {
  it('a bad options argument or readOnly is a TypeError naming it, before anything is opened', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'rs-open-')), 's.sqlite');
    await expect(openStorageUrl(`sqlite:${path}`, 5 as never)).rejects.toThrow(
      /options must be an object/,
    );
    await expect(
      openStorageUrl(`sqlite:${path}`, { readOnly: 'yes' as never }),
    ).rejects.toThrow(/options\.readOnly.*"yes"/);
    expect(existsSync(path)).toBe(false);
  });

  it('readOnly: true never creates a missing SQLite file (E_STORAGE)', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'rs-open-')), 's.sqlite');
    await expect(
      openStorageUrl(`sqlite:${path}`, { readOnly: true }),
    ).rejects.toMatchObject({ code: 'E_STORAGE' });
    expect(existsSync(path)).toBe(false);
  });
});
