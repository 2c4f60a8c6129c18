/**
 * The options of {@link crashTest}, checked.
 *
 * @internal
 */
import { randomInt } from 'node:crypto';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkOptionalBoolean, checkOptions, show } from '../../validate.js';
import type { ScriptCommand } from './crash-process.js';

/** Options of {@link crashTest}. */
export interface CrashTestOptions {
  /**
   * The processor script: a path (relative to the working directory) or a
   * `file:` URL (`new URL('./my-script.ts', import.meta.url)`). A `.ts`,
   * `.mts` or `.cts` script runs through tsx (install it); `.js`/`.mjs` run
   * as they are. See `crashTestChild` for what the script must do.
   */
  readonly script: string | URL;
  /**
   * Children to SIGKILL, one after the other, before a last one runs to the
   * end.
   * @defaultValue 5
   */
  readonly kills?: number;
  /**
   * Fixes the kill moments and is handed to the script
   * (`crashTestChild().seed`) to derive its input from.
   * @defaultValue `RUNSTATE_CRASH_SEED` from the environment, else random
   */
  readonly seed?: number;
  /**
   * Each kill lands a seeded random 0…`killWindowMs` ms after the child said
   * it is ready.
   * @defaultValue the uninterrupted run's time (from ready to exit) divided
   * by `kills`
   */
  readonly killWindowMs?: number;
  /** Arguments after the script's path. */
  readonly args?: readonly string[];
  /**
   * Arguments for node before the script (`--conditions=…`).
   * @defaultValue the parent's `--conditions`/`-C` flags, so the child
   * resolves packages as the parent does
   */
  readonly nodeArgs?: readonly string[];
  /** Extra environment variables (the parent's are inherited). */
  readonly env?: Readonly<Record<string, string>>;
  /** The children's working directory. @defaultValue the parent's */
  readonly cwd?: string;
  /**
   * Most ms one child may take; past it, it is killed and the test fails
   * as hung.
   * @defaultValue 60 000
   */
  readonly timeoutMs?: number;
  /**
   * Keep the test's files (storage, outputs, states) after a success too;
   * they are always kept after a failure.
   * @defaultValue false
   */
  readonly keepFiles?: boolean;
}

/** The checked options. @internal */
export interface CrashTestConfig {
  readonly command: ScriptCommand;
  readonly kills: number;
  readonly seed: number;
  readonly killWindowMs: number | undefined;
  readonly keepFiles: boolean;
}

function integer(name: string, value: unknown, min: number): number {
  if (
    typeof value !== 'number' ||
    !Number.isSafeInteger(value) ||
    value < min
  ) {
    throw new RangeError(
      `${name} must be a safe integer of at least ${min}, got ${show(value)}`,
    );
  }
  return value;
}

function strings(name: string, value: unknown): readonly string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new TypeError(
      `${name} must be an array of strings, got ${show(value)}`,
    );
  }
  return value as string[];
}

function scriptPath(script: unknown): string {
  if (script instanceof URL) {
    if (script.protocol !== 'file:') {
      throw new TypeError(
        `options.script must be a path or a file: URL, got ${script.href}`,
      );
    }
    return fileURLToPath(script);
  }
  if (typeof script !== 'string' || script === '') {
    throw new TypeError(
      `options.script must be a path or a file: URL, got ${show(script)}`,
    );
  }
  return resolve(script);
}

function envOf(value: unknown): Readonly<Record<string, string>> {
  if (value === undefined) return {};
  checkOptions('options.env', value);
  for (const [k, v] of Object.entries(value as object)) {
    if (typeof v !== 'string') {
      throw new TypeError(`options.env.${k} must be a string, got ${show(v)}`);
    }
  }
  return value as Record<string, string>;
}

function seedOf(value: unknown): number {
  if (value !== undefined) return integer('options.seed', value, 0);
  const fromEnv = process.env.RUNSTATE_CRASH_SEED;
  if (fromEnv === undefined || fromEnv === '') return randomInt(2 ** 31);
  return integer('RUNSTATE_CRASH_SEED', Number(fromEnv), 0);
}

/** The `--conditions` flags node was started with. */
function parentConditions(): string[] {
  const argv = process.execArgv;
  return argv.flatMap((arg, i) => {
    if (arg.startsWith('--conditions=') || arg.startsWith('-C=')) return [arg];
    const next = argv[i + 1];
    if ((arg === '--conditions' || arg === '-C') && next !== undefined) {
      return [`--conditions=${next}`];
    }
    return [];
  });
}

/** Check every option, naming the bad one. @internal */
export function crashTestConfig(options: CrashTestOptions): CrashTestConfig {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`options must be an object, got ${show(options)}`);
  }
  const o = options;
  if (o.cwd !== undefined && typeof o.cwd !== 'string') {
    throw new TypeError(`options.cwd must be a string, got ${show(o.cwd)}`);
  }
  return {
    command: {
      script: scriptPath(o.script),
      args: strings('options.args', o.args),
      nodeArgs:
        o.nodeArgs === undefined
          ? parentConditions()
          : strings('options.nodeArgs', o.nodeArgs),
      env: envOf(o.env),
      cwd: o.cwd,
      timeoutMs: integer(
        'options.timeoutMs',
        o.timeoutMs === undefined ? 60_000 : o.timeoutMs,
        1,
      ),
    },
    kills: integer('options.kills', o.kills === undefined ? 5 : o.kills, 0),
    seed: seedOf(o.seed),
    killWindowMs:
      o.killWindowMs === undefined
        ? undefined
        : integer('options.killWindowMs', o.killWindowMs, 1),
    keepFiles: checkOptionalBoolean('options.keepFiles', o.keepFiles, false),
  };
}
