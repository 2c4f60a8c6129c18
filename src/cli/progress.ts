/**
 * The progress bar of `runstate copy` and `runstate migrate`: drawn on
 * stderr, only on a terminal, never with `--json`.
 *
 * @packageDocumentation
 */
import cliProgress from 'cli-progress';
import { useColor, type CliIo } from './io.js';

/** One step of the work: how much is done, of how much, on which run. */
export interface ProgressStep {
  readonly done: number;
  readonly total: number;
  readonly runId: string;
}

/** A progress display: `update` after each step, `stop` at the end. */
export interface Progress {
  readonly update: (progress: ProgressStep) => void;
  readonly stop: () => void;
}

/** Start a progress bar on stderr, or a silent one when it should not show. */
export function startProgress(
  io: CliIo,
  json: boolean,
  label: 'copying' | 'migrating' | 'checking' = 'copying',
  unit = 'savepoints',
): Progress {
  if (json || io.stderr.isTTY !== true) {
    return { update: () => undefined, stop: () => undefined };
  }
  const bar = new cliProgress.SingleBar(
    {
      stream: io.stderr,
      format: `${label} {bar} {value}/{total} ${unit}  {run}`,
      hideCursor: true,
      clearOnComplete: true,
      barCompleteChar: useColor(io.stderr, io) ? '\u2588' : '#',
      barIncompleteChar: useColor(io.stderr, io) ? '\u2591' : '-',
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update: (p) => {
      if (!started) bar.start(p.total, 0, { run: p.runId });
      started = true;
      bar.update(p.done, { run: p.runId });
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}
