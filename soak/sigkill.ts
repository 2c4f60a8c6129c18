/**
 * Soak part "SIGKILL": the storage crash test (`test/storage/crash/`: a
 * child persisting savepoints is SIGKILLed at random instants, and a fresh
 * read-only storage must find only complete, consistent savepoints, never
 * fewer than the child saw committed, never going backwards) with many more
 * kills per backend, run through vitest. Its summary lines are the figures.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';

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

/** Run the crash test of the backends matching `titles` (a -t pattern). */
async function run(cycles: number, titles: string) {
  const child = spawn(
    'npx',
    ['vitest', 'run', 'test/storage/crash', '-t', titles],
    {
      env: {
        ...process.env,
        CRASH_CYCLES: String(cycles),
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

/**
 * Run the storage crash test with `cycles` kills per backend, two backends
 * at a time (four at once overran the test's time limit on a busy 2-core
 * machine).
 */
export async function sigkill(cycles: number): Promise<SigkillResult> {
  const runs = [
    await run(cycles, '^(SQLite|File) savepoints'),
    await run(cycles, '^(Postgres|Redis) savepoints'),
  ];
  const output = runs.map((r) => r.output).join('\n');
  writeFileSync(new URL('./results/sigkill.log', import.meta.url), output);
  const lines = output.split('\n');
  return {
    cyclesPerBackend: cycles,
    passed: runs.every((r) => r.code === 0),
    backends: parseSigkill(output),
    skipped: lines.filter((l) => l.includes('CRASH TEST SKIPPED')),
    failures: lines
      .filter((l) => /FAILED|Error:|expected|timed out/.test(l))
      .slice(0, 20),
  };
}
