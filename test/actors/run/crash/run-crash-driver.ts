/**
 * Starting the run crash child (`run-crash-child.ts`), killing it once it
 * has reported enough progress, and reading back what it left: its stdout
 * report, its outputs file and its result file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { deserialize } from 'node:v8';
import { tsChildArgs } from '../../../support/ts-child.js';
import { outputKey, type OutputMap } from './run-crash-fold.js';

const CHILD = fileURLToPath(new URL('./run-crash-child.ts', import.meta.url));
/** How long one child may take to reach its kill point or its end. */
const CYCLE_TIMEOUT_MS = 60_000;

/** Where a child works, and on which stream. */
export interface ChildArgs {
  readonly db: string;
  readonly outputs: string;
  readonly result: string;
  readonly seed: number;
  readonly count: number;
}

/** What one child reported. */
export interface ChildReport {
  /** The newest savepoint on disk when it started. */
  readonly newest: number | undefined;
  /** Where its input started. */
  readonly start: number | undefined;
  /** The `seq` of every progress line. */
  readonly progress: readonly number[];
  /** Messages per second between its first and last progress line. */
  readonly rate: { readonly messages: number; readonly ms: number };
  /** `[messages, ms]` when the run completed. */
  readonly done: readonly [number, number] | undefined;
  readonly torn: number;
  readonly errors: readonly string[];
  /** Whether it was killed for taking longer than a cycle may. */
  readonly timedOut: boolean;
  /** The signal that ended it (`'SIGKILL'` for a kill), if any. */
  readonly signal: string | null;
  readonly code: number | null;
  readonly stderr: string;
}

const progressOf = (line: string): number | undefined => {
  const match = /^progress (\d+) /.exec(line);
  return match === null ? undefined : Number(match[1]);
};

/** Messages and wall ms between the first and the last progress line. */
function rateOf(lines: readonly string[]) {
  const points = lines
    .filter((line) => line.startsWith('progress '))
    .map((line) => line.split(' ').slice(1).map(Number) as [number, number]);
  const [first, last] = [points[0], points.at(-1)];
  if (first === undefined || last === undefined) return { messages: 0, ms: 0 };
  return { messages: last[0] - first[0], ms: last[1] - first[1] };
}

function parseReport(
  stdout: string,
  exit: Pick<ChildReport, 'code' | 'signal' | 'stderr' | 'timedOut'>,
): ChildReport {
  const lines = stdout.split('\n').filter((line) => line !== '');
  const value = (kind: string) =>
    lines.find((line) => line.startsWith(`${kind} `))?.slice(kind.length + 1);
  const newest = value('newest');
  const start = value('start');
  const done = value('done')?.split(' ').map(Number);
  return {
    newest: newest === undefined || newest === 'none' ? undefined : +newest,
    start: start === undefined ? undefined : Number(start),
    progress: lines.map(progressOf).filter((seq) => seq !== undefined),
    rate: rateOf(lines),
    done: done === undefined ? undefined : [done[0]!, done[1]!],
    torn: lines.filter((line) => line.startsWith('torn ')).length,
    errors: lines.filter((line) => line.startsWith('error ')),
    ...exit,
  };
}

type Exit = Pick<ChildReport, 'code' | 'signal'>;

/** A started child, what it printed so far, and when it exits. */
interface Started {
  readonly child: ChildProcess;
  readonly output: { stdout: string; stderr: string };
  readonly closed: Promise<Exit>;
}

/** Start a child; `onLine` sees each complete stdout line. */
function start(args: ChildArgs, onLine: (line: string) => void): Started {
  const { db, outputs, result, seed, count } = args;
  const child = spawn(
    process.execPath,
    tsChildArgs(CHILD, db, outputs, result, String(seed), String(count)),
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (output.stderr += chunk));
  child.stdout.on('data', (chunk: string) => {
    const from = output.stdout.lastIndexOf('\n') + 1;
    output.stdout += chunk;
    output.stdout.slice(from).split('\n').slice(0, -1).forEach(onLine);
  });
  const closed = new Promise<Exit>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  return { child, output, closed };
}

/**
 * Start a child; once it reports progress at or past `killAt` (a `seq`),
 * wait `delayMs` and SIGKILL it. Without `kill` it runs to its end.
 * Resolves with its report once it has exited.
 */
export async function runChild(
  args: ChildArgs,
  kill?: { readonly killAt: number; readonly delayMs: number },
): Promise<ChildReport> {
  let reached: () => void = () => undefined;
  const killPoint = new Promise<boolean>((resolve) => {
    reached = () => resolve(true);
  });
  const { child, output, closed } = start(args, (line) => {
    if (kill && (progressOf(line) ?? -1) >= kill.killAt) reached();
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, CYCLE_TIMEOUT_MS);
  try {
    const exited = closed.then(() => false);
    if (kill !== undefined && (await Promise.race([killPoint, exited]))) {
      await sleep(kill.delayMs);
      child.kill('SIGKILL');
    }
    const exit = await closed;
    return parseReport(output.stdout, {
      ...exit,
      stderr: output.stderr,
      timedOut,
    });
  } finally {
    clearTimeout(timer);
    child.kill('SIGKILL');
  }
}

/** The outputs file, deduplicated, with what deduplication found. */
export interface OutputsFile {
  readonly outputs: OutputMap;
  readonly lines: number;
  /** Lines whose key was seen before with the same value. */
  readonly duplicates: number;
  /** Keys seen again with a different value. */
  readonly conflicts: readonly string[];
  /** Whether the last line was torn (and ignored). */
  readonly tornTail: boolean;
}

/** Read and deduplicate the outputs file by `(entityId, timestamp, index)`. */
export function readOutputs(path: string): OutputsFile {
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  const tail = lines.pop();
  const outputs: OutputMap = new Map();
  const conflicts: string[] = [];
  let duplicates = 0;
  for (const line of lines) {
    const [entityId, timestamp, index, value] = JSON.parse(line) as [
      string,
      number,
      number,
      unknown,
    ];
    const key = outputKey(entityId, timestamp, index);
    const json = JSON.stringify(value);
    const seen = outputs.get(key);
    if (seen === undefined) outputs.set(key, json);
    else if (seen === json) duplicates++;
    else conflicts.push(`${key}: ${seen} then ${json}`);
  }
  return {
    outputs,
    lines: lines.length,
    duplicates,
    conflicts,
    tornTail: tail !== '',
  };
}

/** The final states the last child wrote. */
export function readStates(path: string): ReadonlyMap<string, unknown> {
  return deserialize(readFileSync(path)) as ReadonlyMap<string, unknown>;
}
