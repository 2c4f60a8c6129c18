/**
 * Starting one child of {@link crashTest}, killing it, and what it left.
 *
 * @internal
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { ENV, READY_LINE, type CrashMode } from './crash-contract.js';

/** How to start the script. */
export interface ScriptCommand {
  readonly script: string;
  readonly args: readonly string[];
  readonly nodeArgs: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string | undefined;
  readonly timeoutMs: number;
}

/** Where one child works. */
export interface ChildPlace {
  readonly mode: CrashMode;
  readonly dir: string;
  readonly key: string;
  readonly seed: number;
  readonly attempt: number;
  readonly outputs: string;
  readonly result: string;
}

/** How one child ended. */
export interface ChildExit {
  /** Whether it printed the ready line. */
  readonly ready: boolean;
  /** ms from ready to exit (or to the kill). */
  readonly ranMs: number;
  /** Whether our SIGKILL ended it (not a timeout). */
  readonly killed: boolean;
  readonly timedOut: boolean;
  readonly code: number | null;
  readonly signal: string | null;
  readonly stderr: string;
}

/**
 * tsx's loader as runstate resolves it (tsx is its dependency), so a child
 * whose `cwd` is outside the project still finds it; else plain `tsx`.
 */
function tsxLoader(): string {
  try {
    return pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  } catch {
    return 'tsx';
  }
}

/** Node arguments running `script`: TypeScript through tsx. */
function nodeArgv(command: ScriptCommand): string[] {
  const ts = ['.ts', '.mts', '.cts'].includes(extname(command.script));
  return [
    ...(ts ? ['--import', tsxLoader()] : []),
    ...command.nodeArgs,
    command.script,
    ...command.args,
  ];
}

/** The parent's environment without vitest's worker markers, plus ours. */
function childEnv(command: ScriptCommand, place: ChildPlace) {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const name of Object.keys(env)) {
    if (name === 'VITEST' || name.startsWith('VITEST_')) delete env[name];
  }
  return {
    ...env,
    ...command.env,
    [ENV.mode]: place.mode,
    [ENV.dir]: place.dir,
    [ENV.key]: place.key,
    [ENV.seed]: String(place.seed),
    [ENV.attempt]: String(place.attempt),
    [ENV.outputs]: place.outputs,
    [ENV.result]: place.result,
  };
}

/**
 * Run one child; SIGKILL it `killAfterMs` after it printed the ready line
 * (never, when undefined), or when it outlives `timeoutMs`.
 */
export async function runChild(
  command: ScriptCommand,
  place: ChildPlace,
  killAfterMs: number | undefined,
): Promise<ChildExit> {
  const child = spawn(process.execPath, nodeArgv(command), {
    cwd: command.cwd,
    env: childEnv(command, place),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let readyAt: number | undefined;
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    stdout += chunk;
    if (readyAt === undefined && stdout.includes(READY_LINE)) {
      readyAt = performance.now();
      onReady();
    }
  });
  const closed = new Promise<{ code: number | null; signal: string | null }>(
    (resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ code, signal }));
    },
  );
  let timedOut = false;
  let killed = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, command.timeoutMs);
  try {
    if (killAfterMs !== undefined) {
      const exited = closed.then(() => false);
      if (await Promise.race([ready.then(() => true), exited])) {
        await Promise.race([sleep(killAfterMs), exited]);
        killed = child.exitCode === null && child.signalCode === null;
        if (killed) child.kill('SIGKILL');
      }
    }
    const { code, signal } = await closed;
    const ranMs = readyAt === undefined ? 0 : performance.now() - readyAt;
    killed &&= signal === 'SIGKILL' && !timedOut;
    return {
      ready: readyAt !== undefined,
      ranMs,
      killed,
      timedOut,
      code,
      signal,
      stderr,
    };
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
    }
  }
}
