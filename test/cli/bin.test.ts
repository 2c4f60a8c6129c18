import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanUp, fill, freshUrl } from './support.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const version = (
  JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    version: string;
  }
).version;
const pkg = mkdtempSync(join(tmpdir(), 'runstate-bin-'));

afterAll(async () => {
  rmSync(pkg, { recursive: true, force: true });
  await cleanUp();
});

describe('the runstate bin', () => {
  it('runs from the repository through npx (the TypeScript source)', () => {
    const r = spawnSync('npx', ['--no-install', 'runstate', '--version'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`${version}\n`);
  });

  it('runs the built dist/cli/main.js in an installed package (no src/)', async () => {
    execFileSync(process.execPath, [
      join(root, 'node_modules/typescript/bin/tsc'),
      '-p',
      join(root, 'tsconfig.build.json'),
      '--outDir',
      join(pkg, 'dist'),
    ]);
    mkdirSync(join(pkg, 'bin'));
    copyFileSync(join(root, 'bin/runstate.js'), join(pkg, 'bin/runstate.js'));
    copyFileSync(join(root, 'package.json'), join(pkg, 'package.json'));
    symlinkSync(join(root, 'node_modules'), join(pkg, 'node_modules'));
    const url = freshUrl('sqlite');
    await fill(url);
    const r = spawnSync(
      process.execPath,
      [join(pkg, 'bin/runstate.js'), 'runs', url, '--json'],
      { encoding: 'utf8' },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveLength(2);
  }, 180_000);
});
