/**
 * The script's side of {@link crashTest}: {@link crashTestChild}.
 */
import {
  closeSync,
  openSync,
  renameSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { RunStateError } from '../../errors.js';
import { defaultCodec } from '../../storage/codec/index.js';
import { checkId, checkTimestamp, show } from '../../validate.js';
import { ENV, READY_LINE, type CrashMode } from './crash-contract.js';

/** One output of the script, identified by `(entityId, timestamp, index)`. */
export interface CrashOutput {
  readonly entityId: string;
  readonly timestamp: number;
  readonly index: number;
  readonly value: unknown;
}

/** What a script started by {@link crashTest} gets from the harness. */
export interface CrashChild {
  /** `'crash'` (killed and restarted) or `'reference'` (uninterrupted). */
  readonly mode: CrashMode;
  /** A directory of this mode's own, kept across restarts: storage goes here. */
  readonly dir: string;
  /** A unique name of this mode's series (a run id, schema or key prefix). */
  readonly key: string;
  /** The test's seed; derive the input from it, the same in both modes. */
  readonly seed: number;
  /** 0 for the first child of a mode, then 1, 2, … after each kill. */
  readonly attempt: number;
  /** `join(dir, name)`. */
  path(name: string): string;
  /**
   * Record one output (a `RunOutput` fits; use it as `startRun`'s `output`).
   * Written synchronously, so it is on disk before the run goes on.
   */
  readonly output: (output: CrashOutput) => void;
  /**
   * Record the final states (`(await run.done).states`) once the run has
   * completed; the harness compares them. Call it once, at the end.
   */
  readonly finish: (states: unknown) => void;
}

function env(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new RunStateError(
      'E_INVALID_STATE',
      `crashTestChild() is for scripts started by crashTest(); ${name} is not set`,
    );
  }
  return value;
}

/**
 * The harness's instructions to this script, read from the environment;
 * tells the harness the script is ready to be killed.
 *
 * @remarks
 * Call it once, early (killing starts from this moment). The script must
 * process the same input in every child and both modes, resume from its
 * storage in `dir` (or under `key`), and call `finish` when done.
 *
 * @throws `RunStateError` `E_INVALID_STATE` outside a child of `crashTest`.
 * @example
 * ```ts
 * const child = crashTestChild();
 * const storage = await SqliteStorage.open({ path: child.path('run.db') });
 * const run = startRun({ storage, output: child.output, ...rest });
 * child.finish((await run.done).states);
 * ```
 */
export function crashTestChild(): CrashChild {
  const mode = env(ENV.mode) as CrashMode;
  const dir = env(ENV.dir);
  const outputsPath = env(ENV.outputs);
  const resultPath = env(ENV.result);
  const fd = openSync(outputsPath, 'a');
  let finished = false;
  const child: CrashChild = {
    mode,
    dir,
    key: env(ENV.key),
    seed: Number(env(ENV.seed)),
    attempt: Number(env(ENV.attempt)),
    path: (name) => join(dir, name),
    output: (o) => writeSync(fd, `${outputLine(o)}\n`),
    finish: (states) => {
      if (finished) {
        throw new RunStateError('E_INVALID_STATE', 'finish() called twice');
      }
      finished = true;
      closeSync(fd);
      writeFileSync(`${resultPath}.tmp`, defaultCodec.encode(states));
      renameSync(`${resultPath}.tmp`, resultPath);
    },
  };
  writeSync(1, `${READY_LINE}\n`);
  return Object.freeze(child);
}

function outputLine(o: CrashOutput): string {
  if (o === null || typeof o !== 'object') {
    throw new TypeError(`output must be a RunOutput, got ${show(o)}`);
  }
  checkId('output.entityId', o.entityId);
  checkTimestamp('output.timestamp', o.timestamp);
  if (!Number.isSafeInteger(o.index) || o.index < 0) {
    throw new RangeError(
      `output.index must be a non-negative safe integer, got ${show(o.index)}`,
    );
  }
  const bytes = defaultCodec.encode(o.value);
  return JSON.stringify([
    o.entityId,
    o.timestamp,
    o.index,
    Buffer.from(bytes).toString('base64'),
  ]);
}
