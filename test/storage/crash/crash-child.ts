/**
 * Starting the crash writer (`crash-writer.ts`) as a child process, killing
 * it, and reading back what it printed.
 */
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { tsChildArgs } from '../../support/ts-child.js';

const WRITER = fileURLToPath(new URL('./crash-writer.ts', import.meta.url));
/**
 * How long a child may take to start (tsx compiles on a cold cache);
 * `CRASH_READY_TIMEOUT_MS` overrides it (the soak, on a busy machine).
 */
const READY_TIMEOUT_MS = Number(process.env.CRASH_READY_TIMEOUT_MS ?? 60_000);

/**
 * The writer's command line: `crash-writer.ts` under tsx, or, when
 * `CRASH_WRITER_BUNDLE` names one, that plain-JS bundle of it (the soak
 * builds one: a child then starts without tsx, several times faster).
 */
function writerArgs(...args: string[]): string[] {
  const bundle = process.env.CRASH_WRITER_BUNDLE;
  return bundle === undefined || bundle === ''
    ? tsChildArgs(WRITER, ...args)
    : [bundle, ...args];
}

/** What one killed child printed. */
export interface ChildLog {
  readonly ready: { readonly timestamp: number; readonly resumed: boolean };
  /** Savepoints whose write began, in order. */
  readonly begun: readonly number[];
  /** Savepoints whose write committed, in order. */
  readonly ended: readonly number[];
  readonly errors: readonly string[];
  readonly stderr: string;
}

/** Which writer to start: its command-line arguments. */
export interface WriterArgs {
  readonly backend: string;
  readonly target: string;
  readonly seed: number;
}

type Exit = { readonly code: number | null; readonly signal: string | null };
type Output = { stdout: string; stderr: string };

/** Resolves once the child printed `ready`; rejects if it exits first. */
function whenReady(
  stdout: Readable,
  output: Output,
  closed: Promise<Exit>,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`writer not ready after ${READY_TIMEOUT_MS} ms`)),
      READY_TIMEOUT_MS,
    );
    stdout.on('data', (chunk: string) => {
      output.stdout += chunk;
      if (/^ready /m.test(output.stdout)) {
        clearTimeout(timer);
        resolve();
      }
    });
    void closed.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(
        new Error(
          `writer exited before ready (code ${code}, signal ${signal}): ${output.stderr}${output.stdout}`,
        ),
      );
    });
  });
}

/**
 * Start the writer, wait for `ready`, SIGKILL it `delayMs` later, and return
 * everything it printed (read until its stdout closed, so the lines written
 * just before the kill are included).
 */
export async function runAndKill(
  { backend, target, seed }: WriterArgs,
  delayMs: number,
): Promise<ChildLog> {
  const child = spawn(
    process.execPath,
    writerArgs(backend, target, String(seed)),
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output: Output = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (output.stderr += chunk));
  const closed = new Promise<Exit>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  try {
    await whenReady(child.stdout, output, closed);
    await sleep(delayMs);
  } finally {
    child.kill('SIGKILL');
  }
  const { signal } = await closed;
  if (signal !== 'SIGKILL') {
    throw new Error(
      `writer ended by itself (signal ${signal}): ${output.stderr}${output.stdout}`,
    );
  }
  return parseLog(output.stdout, output.stderr);
}

function parseLog(stdout: string, stderr: string): ChildLog {
  // Every line is one small writeSync to a pipe, hence atomic: a fragment
  // would mean the child printed something unexpected.
  if (!stdout.endsWith('\n')) throw new Error(`torn output: ${stdout}`);
  const lines = stdout.slice(0, -1).split('\n');
  const [first, ...rest] = lines;
  const readyMatch = /^ready (\d+) ([01])$/.exec(first ?? '');
  if (readyMatch === null) throw new Error(`bad first line: ${first}`);
  const begun: number[] = [];
  const ended: number[] = [];
  const errors: string[] = [];
  for (const line of rest) {
    const [kind, value] = line.split(' ', 2);
    if (kind === 'begin') begun.push(Number(value));
    else if (kind === 'end') ended.push(Number(value));
    else if (kind === 'error') errors.push(line);
    else throw new Error(`unexpected line from the writer: ${line}`);
  }
  return {
    ready: {
      timestamp: Number(readyMatch[1]),
      resumed: readyMatch[2] === '1',
    },
    begun,
    ended,
    errors,
    stderr,
  };
}
