/**
 * Soak part "SIGKILL": the storage crash test (`test/storage/crash/`: a
 * child persisting savepoints is SIGKILLed at random instants, and a fresh
 * read-only storage must find only complete, consistent savepoints, never
 * fewer than the child saw committed, never going backwards) with many more
 * kills per backend, run through vitest. Its summary lines are the figures.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** One backend's figures. */
export interface SigkillBackend {
  readonly backend: string;
  readonly seed: number;
  readonly kills: number;
  readonly seconds: number;
  readonly committed: number;
  readonly midWrite: number;
  readonly rolledBack: number;
  readonly alreadyCommitted: number;
  /** Every chunk's seed (one per run of the crash test). */
  readonly seeds?: readonly number[];
}

/** What the run gave. */
export interface SigkillResult {
  readonly cyclesPerBackend: number;
  readonly passed: boolean;
  readonly backends: readonly SigkillBackend[];
  readonly skipped: readonly string[];
  readonly failures: readonly string[];
}

const SUMMARY =
  /^(\w+) crash test: seed (\d+): (\d+) kills in ([\d.]+) s, (\d+) savepoints committed, newest \d+; (\d+) kills mid-write: (\d+) rolled back, (\d+) already committed/;

/** Parse the summary lines of the crash test's output. */
export function parseSigkill(output: string): SigkillBackend[] {
  return output.split('\n').flatMap((line) => {
    const m = SUMMARY.exec(line.trim());
    if (m === null) return [];
    return [
      {
        backend: m[1]!,
        seed: Number(m[2]),
        kills: Number(m[3]),
        seconds: Number(m[4]),
        committed: Number(m[5]),
        midWrite: Number(m[6]),
        rolledBack: Number(m[7]),
        alreadyCommitted: Number(m[8]),
      },
    ];
  });
}

/**
 * Bundle `test/storage/crash/crash-writer.ts` (and the `src/` it imports)
 * into one plain-JS file, drivers left as imports: each of the many children
 * then starts without tsx. Returns the bundle's path.
 */
export async function bundleWriter(): Promise<string> {
  const root = new URL('../', import.meta.url);
  // Under node_modules, so the drivers resolve from it and no linter sees it.
  const dir = fileURLToPath(
    new URL('node_modules/.cache/runstate-soak/', root),
  );
  mkdirSync(dir, { recursive: true });
  const outfile = `${dir}crash-writer.mjs`;
  const pkg = JSON.parse(
    readFileSync(new URL('package.json', root), 'utf8'),
  ) as Record<'dependencies' | 'peerDependencies', Record<string, string>>;
  await build({
    entryPoints: [
      fileURLToPath(new URL('test/storage/crash/crash-writer.ts', root)),
    ],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // runstate itself (src/, by the runstate-source condition) is bundled;
    // its dependencies and the drivers stay imports from node_modules.
    external: Object.keys({
      ...pkg.dependencies,
      ...pkg.peerDependencies,
    }),
    conditions: ['runstate-source'],
    logLevel: 'error',
  });
  return outfile;
}

/** Run the crash test of the backends matching `titles` (a -t pattern). */
async function run(cycles: number, titles: string, bundle: string) {
  const child = spawn(
    'npx',
    ['vitest', 'run', 'test/storage/crash', '-t', titles],
    {
      env: {
        ...process.env,
        CRASH_CYCLES: String(cycles),
        CRASH_WRITER_BUNDLE: bundle,
        CRASH_READY_TIMEOUT_MS: '120000',
        CRASH_CYCLE_MS: '20000',
        CRASH_MIN_MID_WRITE: '0',
        NO_COLOR: '1',
        FORCE_COLOR: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) =>
    child.on('close', resolve),
  );
  return { code, output };
}

/** Add up the chunks' summary lines per backend. */
function perBackend(lines: readonly SigkillBackend[]): SigkillBackend[] {
  const byName = new Map<string, SigkillBackend & { seeds: number[] }>();
  for (const b of lines) {
    const sum = byName.get(b.backend);
    byName.set(
      b.backend,
      sum === undefined
        ? { ...b, seeds: [b.seed] }
        : {
            ...sum,
            kills: sum.kills + b.kills,
            seconds: sum.seconds + b.seconds,
            committed: sum.committed + b.committed,
            midWrite: sum.midWrite + b.midWrite,
            rolledBack: sum.rolledBack + b.rolledBack,
            alreadyCommitted: sum.alreadyCommitted + b.alreadyCommitted,
            seeds: [...sum.seeds, b.seed],
          },
    );
  }
  return [...byName.values()];
}

/**
 * Run the storage crash test of all four backends at once, in chunks of
 * `chunk` kills per backend (each on a fresh target, with its own seed),
 * until `cycles` kills per backend are done, a chunk fails, or the
 * `SOAK_DEADLINE` (an ISO time) has passed: the figures then say how many
 * kills were done.
 */
export async function sigkill(
  cycles: number,
  chunk = 50,
): Promise<SigkillResult> {
  const bundle = await bundleWriter();
  const deadline = Date.parse(process.env.SOAK_DEADLINE ?? '') || Infinity;
  const runs: { code: number | null; output: string }[] = [];
  for (let done = 0; done < cycles; done += chunk) {
    if (Date.now() > deadline) break;
    const size = Math.min(chunk, cycles - done);
    const result = await run(size, 'savepoints under SIGKILL', bundle);
    runs.push(result);
    process.stderr.write(
      `soak: sigkill: ${done + size} kills per backend, ${result.code === 0 ? 'passed' : 'FAILED'}\n`,
    );
    if (result.code !== 0) break;
  }
  const output = runs.map((r) => r.output).join('\n');
  writeFileSync(new URL('./results/sigkill.log', import.meta.url), output);
  const lines = output.split('\n');
  const backends = perBackend(parseSigkill(output));
  return {
    cyclesPerBackend:
      backends.length === 0 ? 0 : Math.min(...backends.map((b) => b.kills)),
    passed: runs.length > 0 && runs.every((r) => r.code === 0),
    backends,
    skipped: lines.filter((l) => l.includes('CRASH TEST SKIPPED')),
    failures: lines
      .filter((l) => /FAILED|Error:|expected|timed out/.test(l))
      .slice(0, 20),
  };
}
