import { existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  EXIT_USAGE,
  openStorageUrl,
  parseStorageUrl,
  runCli,
} from 'runstate/cli';
import { cleanUp, fill, freshUrl, runBin } from './support.js';

afterAll(cleanUp);

const ANSI = new RegExp(String.fromCharCode(27) + '\\[');

describe('runstate: bad input gives a clear error and exit code', () => {
  it('exit 2 for an unknown URL scheme, naming it', async () => {
    const r = await runBin(['runs', 'mysql://localhost/db']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      'storage URL "mysql://localhost/db" has an unknown scheme',
    );
  });

  it('exit 2 for an unknown command or option, or a missing argument', async () => {
    expect((await runBin(['nope'])).status).toBe(2);
    expect((await runBin(['runs', 'a.sqlite', '--bogus'])).status).toBe(2);
    expect((await runBin(['show', 'a.sqlite'])).status).toBe(2);
    expect(
      (await runBin(['prune', 'a.sqlite', 'r', '--keep', '0'])).status,
    ).toBe(2);
    expect((await runBin(['verify', 'a.sqlite'])).status).toBe(2);
  }, 120_000); // several processes: slow on a loaded machine

  it('exit 1 for a missing run, as JSON on stderr with --json', async () => {
    const url = freshUrl('sqlite');
    await fill(url);
    const r = await runBin(['show', url, 'missing', '--json']);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(JSON.parse(r.stderr)).toMatchObject({
      error: {
        code: 'E_NO_SAVEPOINT',
        message: 'run "missing" has no savepoint',
      },
    });
  });

  it('exit 1 for a store that does not exist, and a read command creates nothing', async () => {
    const path = join(tmpdir(), `runstate-missing-${process.pid}.sqlite`);
    const r = await runBin(['runs', path]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('does not exist');
    expect(existsSync(path)).toBe(false);
  });

  it('exit 1 for a malformed import file, naming the line and JSON path; nothing is written', async () => {
    const url = freshUrl('sqlite');
    await fill(url);
    const exported = (await runBin(['export', url, 'orders'])).stdout;
    const broken = exported.replace('"$":"Map"', '"$":"Mop"');
    const r = await runBin(['import', '-', '--to', url, '--run', 'x'], broken);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /E_INVALID_IMPORT: line \d: \$\.state\.\$: unknown tag "Mop"/,
    );
    expect(
      JSON.parse((await runBin(['runs', url, '--json'])).stdout),
    ).toHaveLength(2);
  });

  it('exit 1 for an import file that does not exist, creating no store', async () => {
    const url = freshUrl('sqlite');
    const r = await runBin([
      'import',
      join(tmpdir(), 'no-such-export.ndjson'),
      '--to',
      url,
    ]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('ENOENT');
    expect(existsSync(url.slice('sqlite:'.length))).toBe(false);
  });

  it('exit 1 for a file of a newer format version', async () => {
    const file = join(tmpdir(), `runstate-newer-${process.pid}.ndjson`);
    writeFileSync(file, '{"format":"runstate-savepoint","formatVersion":9}\n');
    const r = await runBin(['import', file, '--to', freshUrl('sqlite')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      'E_FORMAT_VERSION: the export file has format version 9',
    );
  });

  it('writes no colour when NO_COLOR is set or the output is not a terminal', async () => {
    const url = freshUrl('sqlite');
    await fill(url);
    const r = await runBin(['verify', url, '--all']);
    expect(r.stdout).toMatch(/^OK /);
    expect(r.stdout + r.stderr).not.toMatch(ANSI);
  });
});

describe('runstate --help', () => {
  it.each([
    'runs',
    'savepoints',
    'show',
    'diff',
    'verify',
    'export',
    'import',
    'copy',
    'migrate',
    'prune',
    'delete',
    'quarantine',
  ])('%s --help ends with examples and exits 0', async (command) => {
    const r = await runBin([command, '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Examples:\n( {2}\$ runstate .+\n)+$/);
    expect(r.stdout).toContain('--json');
  });

  it('the top-level help documents URLs and exit codes', async () => {
    const r = await runBin(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Exit codes: 0 ok, 1 a check failed');
    expect(r.stdout).toContain('postgres://USER@HOST/DB[?schema=NAME]');
  });
});

describe('parseStorageUrl', () => {
  it.each([
    ['sqlite:state.sqlite', { kind: 'sqlite', path: 'state.sqlite' }],
    ['./data/state.db', { kind: 'sqlite', path: './data/state.db' }],
    ['file:state', { kind: 'file', directory: 'state' }],
    [
      'file:///var/state?compression=brotli',
      { kind: 'file', directory: '/var/state', compression: 'brotli' },
    ],
    [
      'postgres://u@h/db?schema=jobs&sslmode=disable',
      {
        kind: 'postgres',
        connectionString: 'postgres://u@h/db?sslmode=disable',
        schema: 'jobs',
      },
    ],
    [
      'redis://h:6379/2?prefix=app:',
      { kind: 'redis', url: 'redis://h:6379/2', prefix: 'app:' },
    ],
  ])('%s', (url, expected) => {
    expect(parseStorageUrl(url)).toEqual(expected);
  });

  it.each([
    'state.json',
    'file:state?compression=zip',
    'file:state?level=9',
    'sqlite:',
    // An unknown parameter is a usage error on every scheme (found by the
    // fuzz: Redis passed it on to the client, SQLite opened a file named
    // "x.db?nope=1").
    'sqlite:x.db?nope=1',
    'redis://h:6379/0?prefix=a:&nope=1',
    'rediss://h:6379?db=2',
  ])('refuses %s with a RangeError naming it', (url) => {
    expect(() => parseStorageUrl(url)).toThrow(RangeError);
    expect(() => parseStorageUrl(url)).toThrow(JSON.stringify(url));
  });
});

// Found by the fuzz soak (soak/fuzz-export-targets.ts): runCli, which never
// throws, threw "args.includes is not a function" for a non-array and
// "Cannot convert a Symbol value to a string" for a symbol among the
// words; openStorageUrl read options.readOnly of null.
describe('runCli and openStorageUrl with arguments of the wrong kind', () => {
  it('runCli returns EXIT_USAGE for args that are not a list of strings', async () => {
    let err = '';
    const io = {
      stdout: { write: () => true },
      stderr: { write: (s: string) => ((err += s), true) },
      env: {},
    };
    for (const args of [null, 5, false, [Symbol('x')], [[], 'runs']]) {
      err = '';
      expect(await runCli(args as never, io as never)).toBe(EXIT_USAGE);
      expect(err).toContain('args must be a list of strings');
    }
  });

  it('openStorageUrl refuses options that are not an object', async () => {
    await expect(
      openStorageUrl('sqlite:/nonexistent/x.db', null as never),
    ).rejects.toThrow(/^options must be an object/);
    // readOnly: null was taken as false (a writable open)
    await expect(
      openStorageUrl('sqlite::memory:', { readOnly: null as never }),
    ).rejects.toThrow(/^options.readOnly must be a boolean, got null/);
  });
});

// The commands that change a store that exists (prune, delete, quarantine,
// migrate) created an empty SQLite file (or directory) at a mistyped path
// and reported nothing to do; only the targets of copy and import are
// created.
describe('a store that does not exist', () => {
  const migrations = 'test/cli/fixtures/migrations.ts';
  it.each([
    ['prune', (u: string) => ['prune', u, 'r', '--keep', '1']],
    ['delete', (u: string) => ['delete', u, 'r', '--yes']],
    ['quarantine', (u: string) => ['quarantine', u, 'r', '--at', '5']],
    ['migrate', (u: string) => ['migrate', u, '--migrations', migrations]],
  ])(
    '%s refuses it (E_STORAGE, exit 1) and creates nothing',
    async (_, args) => {
      for (const path of [
        join(tmpdir(), `runstate-missing-${process.pid}-${Date.now()}.sqlite`),
        `file:${join(tmpdir(), `runstate-missing-${process.pid}-${Date.now()}`)}`,
      ]) {
        const r = await runBin(args(path));
        expect(r.status, r.stderr).toBe(1);
        expect(r.stderr).toContain('error E_STORAGE');
        expect(r.stderr).toContain('does not exist');
        expect(existsSync(path.replace(/^file:/, ''))).toBe(false);
      }
    },
  );

  it('openStorageUrl with create: false refuses it; create must be a boolean', async () => {
    const path = join(tmpdir(), `runstate-missing-${process.pid}.sqlite`);
    await expect(
      openStorageUrl(`sqlite:${path}`, { create: false }),
    ).rejects.toMatchObject({ code: 'E_STORAGE' });
    expect(existsSync(path)).toBe(false);
    await expect(
      openStorageUrl(`sqlite:${path}`, { create: 'no' as never }),
    ).rejects.toThrow(/^options.create must be a boolean, got "no"/);
  });
});
