/**
 * The commands that change a run in place: `prune`, `delete` and
 * `quarantine`.
 *
 * @packageDocumentation
 */
import type { Command } from 'commander';
import { readOrThrow } from '../../export/index.js';
import { count, isoDate, parseCount, parseTimestamp } from '../format.js';
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
        return withStorage(url, false, async (storage) => {
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
        return withStorage(url, false, async (storage) => {
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

/** `runstate quarantine URL RUN [--at TS]`. */
export function quarantineCommand(program: Command, ctx: CommandContext) {
  const command = program
    .command('quarantine')
    .description(
      'move a live savepoint aside (kept in the store, no longer listed or loaded), so the run resumes from the one before',
    )
    .argument('<url>', 'storage URL')
    .argument('<run>', 'run id')
    .option(
      '--at <ts>',
      'the savepoint (epoch ms or ISO date); default: the newest',
    )
    .action(
      (url: string, runId: string, options: JsonOption & { at?: string }) => {
        const at =
          options.at === undefined
            ? undefined
            : parseTimestamp('--at', options.at);
        return withStorage(url, false, async (storage) => {
          const timestamp = at ?? (await readOrThrow(storage, runId)).timestamp;
          if (!(await storage.listSavepoints(runId)).includes(timestamp)) {
            await readOrThrow(storage, runId, timestamp); // throws E_NO_SAVEPOINT
          }
          await storage.quarantineSavepoint(runId, timestamp);
          if (options.json === true)
            return printJson(ctx.io, { runId, quarantined: timestamp });
          ctx.io.stdout.write(
            `quarantined savepoint ${timestamp} (${isoDate(timestamp)}) of run ${JSON.stringify(runId)}\n`,
          );
        });
      },
    );
  finish(command, [
    'runstate quarantine state.sqlite orders',
    'runstate quarantine state.sqlite orders --at 1767225660000',
  ]);
}
