/**
 * The commands that change a run in place: `prune`, `delete` and
 * `quarantine`.
 *
 * @packageDocumentation
 */
import type { Command } from 'commander';
import { readOrThrow } from '../../export/index.js';
import {
  listQuarantinedSavepoints as listQuarantined,
  restoreQuarantinedSavepoint as restoreSavepoint,
} from '../../inspect/index.js';
import { count, isoDate, parseCount, parseTimestamp } from '../format.js';
import { quarantinedJson, quarantinedTable } from './quarantine-table.js';
import { EXIT_FAILED, UsageError, printJson } from '../io.js';
import {
  finish,
  withStorage,
  type CommandContext,
  type JsonOption,
} from './context.js';
import { noRun } from './read-commands.js';

/** `runstate prune URL RUN --keep N`. */
export function pruneCommand(program: Command, ctx: CommandContext): void {
  const command = program
    .command('prune')
    .description('delete all but the newest N live savepoints of a run')
    .argument('<url>', 'storage URL')
    .argument('<run>', 'run id')
    .requiredOption('--keep <n>', 'how many of the newest savepoints to keep')
    .action(
      (url: string, runId: string, options: JsonOption & { keep: string }) => {
        const keep = parseCount('--keep', options.keep);
        return withStorage(url, 'change', async (storage) => {
          if (!(await storage.isInitialized(runId))) throw noRun(runId);
          const deleted = await storage.prune(runId, keep);
          if (options.json === true)
            return printJson(ctx.io, { runId, deleted });
          ctx.io.stdout.write(
            `deleted ${count(deleted, 'savepoint')} of run ${JSON.stringify(runId)}\n`,
          );
        });
      },
    );
  finish(command, ['runstate prune state.sqlite orders --keep 3']);
}

/** `runstate delete URL RUN --yes`. */
export function deleteCommand(program: Command, ctx: CommandContext): void {
  const command = program
    .command('delete')
    .description(
      'delete a run with all its savepoints (quarantined ones included)',
    )
    .argument('<url>', 'storage URL')
    .argument('<run>', 'run id')
    .option('--yes', 'really delete (required)')
    .action(
      (url: string, runId: string, options: JsonOption & { yes?: boolean }) => {
        if (options.yes !== true) {
          throw new UsageError(
            `refusing to delete run ${JSON.stringify(runId)} without --yes`,
          );
        }
        return withStorage(url, 'change', async (storage) => {
          const existed = await storage.deleteRun(runId);
          if (!existed) ctx.exitCode = EXIT_FAILED;
          if (options.json === true)
            return printJson(ctx.io, { runId, deleted: existed });
          const text = existed ? 'deleted run' : 'no such run:';
          (existed ? ctx.io.stdout : ctx.io.stderr).write(
            `${text} ${JSON.stringify(runId)}\n`,
          );
        });
      },
    );
  finish(command, ['runstate delete state.sqlite orders --yes']);
}

interface QuarantineOptions extends JsonOption {
  readonly at?: string;
  readonly restore?: string;
}

/** `runstate quarantine URL RUN [--at TS | --restore TS]`. */
export function quarantineCommand(program: Command, ctx: CommandContext) {
  const command = program
    .command('quarantine')
    .description(
      "list a run's quarantined savepoints; --at moves a live one aside (kept, no longer loaded), --restore moves one back to live",
    )
    .argument('<url>', 'storage URL')
    .argument('<run>', 'run id')
    .option(
      '--at <ts>',
      "quarantine this live savepoint (epoch ms or ISO date, or 'newest')",
    )
    .option(
      '--restore <ts>',
      'move the savepoint quarantined (last) at this timestamp back to live; it must be newer than every live one',
    )
    .action((url: string, runId: string, options: QuarantineOptions) => {
      if (options.at !== undefined && options.restore !== undefined) {
        throw new UsageError('give --at or --restore, not both');
      }
      if (options.at !== undefined) {
        return quarantineOne(ctx, url, runId, options.at, options.json);
      }
      if (options.restore !== undefined) {
        const ts = parseTimestamp('--restore', options.restore);
        return restoreOne(ctx, url, runId, ts, options.json);
      }
      return withStorage(url, 'read', async (storage) => {
        if (!(await storage.isInitialized(runId))) throw noRun(runId);
        const list = await listQuarantined(storage, runId);
        if (options.json === true)
          return printJson(ctx.io, quarantinedJson(list));
        ctx.io.stdout.write(quarantinedTable(list));
      });
    });
  finish(command, [
    'runstate quarantine state.sqlite orders',
    'runstate quarantine state.sqlite orders --at newest',
    'runstate quarantine state.sqlite orders --restore 1767225660000',
  ]);
}

function quarantineOne(
  ctx: CommandContext,
  url: string,
  runId: string,
  text: string,
  json: boolean | undefined,
): Promise<void> {
  const at = text === 'newest' ? undefined : parseTimestamp('--at', text);
  return withStorage(url, 'change', async (storage) => {
    const timestamp = at ?? (await readOrThrow(storage, runId)).timestamp;
    if (!(await storage.listSavepoints(runId)).includes(timestamp)) {
      await readOrThrow(storage, runId, timestamp); // throws E_NO_SAVEPOINT
    }
    await storage.quarantineSavepoint(runId, timestamp);
    if (json === true)
      return printJson(ctx.io, { runId, quarantined: timestamp });
    ctx.io.stdout.write(
      `quarantined savepoint ${timestamp} (${isoDate(timestamp)}) of run ${JSON.stringify(runId)}\n`,
    );
  });
}

function restoreOne(
  ctx: CommandContext,
  url: string,
  runId: string,
  timestamp: number,
  json: boolean | undefined,
): Promise<void> {
  return withStorage(url, 'change', async (storage) => {
    await restoreSavepoint(storage, runId, timestamp);
    if (json === true) return printJson(ctx.io, { runId, restored: timestamp });
    ctx.io.stdout.write(
      `restored savepoint ${timestamp} (${isoDate(timestamp)}) of run ${JSON.stringify(runId)}\n`,
    );
  });
}
