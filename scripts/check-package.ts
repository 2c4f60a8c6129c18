/**
 * The package as a consumer gets it (`npm run check:package`, part of
 * `npm test`): pack the package, install the tarball into a scratch project
 * in a temporary directory, type-check a consumer that imports every public
 * subpath (read from package.json `exports`) and subclasses `BaseStorage`,
 * with `skipLibCheck: false` and every published `.d.ts` file in the
 * program, run it (ESM imports and a resume on SQLite),
 * `require()` every subpath from CommonJS, and run `attw` on the tarball.
 *
 * The install is offline: the tarball's dependencies come from the npm
 * cache that `npm ci` filled, pinned by a lockfile derived from ours, and
 * the peers a user brings (better-sqlite3, vitest, `@types/node`,
 * `@opentelemetry/api`, fastify, `@fastify/swagger`) are linked
 * from this repository's node_modules, so nothing native is rebuilt. When
 * the cache lacks a package, it falls back to `npm install --prefer-offline`.
 *
 * Run: `npm run check:package` (20–70 s, mostly the build and `tsc`). Pass `--keep` to keep the
 * scratch project.
 */
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const templates = join(root, 'scripts', 'package-consumer');
/**
 * Peers and types a user installs beside the package, linked from ours
 * (the optional peers of `runstate/otel` and `runstate/http` included).
 */
const LINKED = [
  'better-sqlite3',
  'vitest',
  '@types/node',
  '@opentelemetry/api',
  'fastify',
  '@fastify/swagger',
];

interface LockEntry {
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
  readonly [field: string]: unknown;
}
type LockPackages = Record<string, LockEntry>;

interface Manifest {
  readonly name: string;
  readonly version: string;
  readonly dependencies?: Record<string, string>;
  readonly exports: Record<string, unknown>;
}

const readJson = <T>(path: string): T =>
  JSON.parse(readFileSync(path, 'utf8')) as T;

/** Run a command; its stdout is returned, or printed when it fails. */
function run(command: string, args: string[], cwd: string): string {
  try {
    return execFileSync(command, args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
  } catch (error) {
    const { stdout } = error as { stdout?: string };
    if (stdout !== undefined) process.stderr.write(stdout);
    throw new Error(`${[command, ...args].join(' ')} failed`, {
      cause: error,
    });
  }
}

const started = performance.now();

function step(message: string): void {
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  process.stderr.write(`check:package [${seconds} s]: ${message}\n`);
}

/** Where Node would find `name` from the lock path `from`. */
function resolveIn(
  packages: LockPackages,
  from: string,
  name: string,
): string | undefined {
  let at = from;
  for (;;) {
    const candidate = `${at === '' ? '' : `${at}/`}node_modules/${name}`;
    if (packages[candidate] !== undefined) return candidate;
    if (at === '') return undefined;
    const cut = at.lastIndexOf('/node_modules/');
    at = cut < 0 ? '' : at.slice(0, cut);
  }
}

/** Our lockfile's entries for `dependencies` and what they need. */
function dependencyClosure(
  packages: LockPackages,
  dependencies: Record<string, string>,
): LockPackages {
  const closure: Record<string, LockEntry> = {};
  const todo: [string, Record<string, string>, boolean][] = [
    ['', dependencies, false],
  ];
  for (let next = todo.pop(); next !== undefined; next = todo.pop()) {
    const [from, wanted, optional] = next;
    for (const name of Object.keys(wanted)) {
      const at = resolveIn(packages, from, name);
      if (at === undefined) {
        if (optional) continue;
        throw new Error(`${name} (needed by ${from}) is not in the lockfile`);
      }
      if (closure[at] !== undefined) continue;
      const { dev: _dev, devOptional: _devOptional, ...entry } = packages[at]!;
      closure[at] = entry;
      todo.push([at, entry.dependencies ?? {}, false]);
      todo.push([at, entry.optionalDependencies ?? {}, true]);
    }
  }
  return closure;
}

/** Write the scratch project's package.json and package-lock.json. */
function writeProject(dir: string, manifest: Manifest, tarball: string): void {
  const spec = `file:${tarball}`;
  const project = {
    name: 'runstate-consumer',
    private: true,
    type: 'module',
    dependencies: { [manifest.name]: spec },
  };
  const lock = readJson<{ packages: LockPackages }>(
    join(root, 'package-lock.json'),
  );
  const dependencies = manifest.dependencies ?? {};
  const packages: LockPackages = {
    '': { name: project.name, dependencies: project.dependencies },
    [`node_modules/${manifest.name}`]: {
      version: manifest.version,
      resolved: spec,
      dependencies,
    },
    ...dependencyClosure(lock.packages, dependencies),
  };
  const lockfile = { name: project.name, lockfileVersion: 3, packages };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(project, null, 2));
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify(lockfile));
}

function install(dir: string, tarball: string): void {
  const quiet = ['--ignore-scripts', '--no-audit', '--no-fund'];
  try {
    run('npm', ['ci', '--offline', ...quiet], dir);
  } catch {
    step('not all in the npm cache: npm install --prefer-offline');
    rmSync(join(dir, 'package-lock.json'));
    run('npm', ['install', '--prefer-offline', ...quiet, tarball], dir);
  }
  for (const name of LINKED) {
    const link = join(dir, 'node_modules', name);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(join(root, 'node_modules', name), link, 'dir');
  }
}

/** `subpaths.ts`: an `import * as` of each public subpath. */
function writeSubpaths(dir: string, manifest: Manifest): string[] {
  const names = Object.keys(manifest.exports)
    .filter((key) => key !== './package.json')
    .map((key) =>
      key === '.' ? manifest.name : `${manifest.name}/${key.slice(2)}`,
    );
  const lines = [
    '// Generated by scripts/check-package.ts from package.json exports.',
    ...names.map((name, i) => `import * as m${i} from '${name}';`),
    'export const subpaths = {',
    ...names.map((name, i) => `  '${name}': m${i},`),
    '};',
  ];
  writeFileSync(join(dir, 'subpaths.ts'), `${lines.join('\n')}\n`);
  return names;
}

function main(): void {
  const keep = process.argv.includes('--keep');
  const manifest = readJson<Manifest>(join(root, 'package.json'));
  const dir = mkdtempSync(join(tmpdir(), 'runstate-consumer-'));
  let ok = false;
  try {
    step('building (npm run build)');
    run('npm', ['run', 'build'], root);
    step(`packing into ${dir}`);
    const pack = ['pack', '--json', '--ignore-scripts', '--pack-destination'];
    const [packed] = JSON.parse(
      run('npm', [...pack, dir, '--loglevel=warn'], root),
    ) as { filename: string }[];
    const tarball = packed!.filename;
    writeProject(dir, manifest, tarball);
    install(dir, tarball);
    for (const file of readdirSync(templates)) {
      copyFileSync(join(templates, file), join(dir, file));
    }
    const names = writeSubpaths(dir, manifest);
    step(`type-checking ${names.length} subpaths (skipLibCheck: false)`);
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    run(process.execPath, [tsc, '-p', dir], dir);
    step('running the consumer: ESM, then CommonJS');
    process.stdout.write(run(process.execPath, ['out/consumer.js'], dir));
    process.stdout.write(run(process.execPath, ['require.cjs'], dir));
    step('attw --profile esm-only');
    const attw = join(root, 'node_modules', '.bin', 'attw');
    run(attw, [join(dir, tarball), '--profile', 'esm-only'], dir);
    step('done');
    ok = true;
  } finally {
    if (keep || !ok) step(`scratch project kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

try {
  main();
} catch (error) {
  step(`FAILED: ${(error as Error).message}`);
  process.exitCode = 1;
}
