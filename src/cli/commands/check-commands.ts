/**
 * The comparing and checking commands: `diff` and `verify`. Both open the
 * storage read-only.
 *
 * @packageDocumentation
 */
import type { Command } from 'commander';
import {
  diffSavepoints,
  verifyStorage,
  type SavepointDiff,
  type VerifyReport,
} from '../../inspect/index.js';
import { count, isoDate, parseTimestamp } from '../format.js';
import { EXIT_FAILED, UsageError, painter, printJson } from '../io.js';
import {
  finish,
  withStorage,
  type CommandContext,
  type JsonOption,
} from './context.js';

interface DiffOptions extends JsonOption {
  readonly entity?: string;
}

/** `runstate diff URL RUN TS1 TS2 [--entity ID]`. */
export function diffCommand(program: Command, ctx: CommandContext): void {
  const command = program
    .command('diff')
    .description(
      "compare two savepoints of a run: entities added, removed and changed; with --entity, a structural diff of that entity's state",
    )
    .argument('<url>', 'storage URL')
    .argument('<run>', 'run id')
    .argument('<ts1>', 'the first savepoint (epoch ms or ISO date)')
    .argument('<ts2>', 'the second savepoint')
    .option('--entity <id>', "diff this entity's state structurally")
    .action(
      (
        url: string,
        runId: string,
        ts1: string,
        ts2: string,
        options: DiffOptions,
      ) => {
        const from = parseTimestamp('<ts1>', ts1);
        const to = parseTimestamp('<ts2>', ts2);
        return withStorage(url, 'read', async (storage) => {
          const diff = await diffSavepoints(storage, runId, from, to, {
            ...(options.entity === undefined
              ? {}
              : { entityId: options.entity }),
          });
          if (options.json === true) return printJson(ctx.io, diff);
          printDiff(ctx, diff);
        });
      },
    );
  finish(command, [
    'runstate diff state.sqlite orders 1767225600000 1767225660000',
    'runstate diff state.sqlite orders 2026-01-01T00:00:00Z 2026-01-01T00:01:00Z --entity totals',
  ]);
}

function printDiff(ctx: CommandContext, diff: SavepointDiff): void {
  const paint = painter(ctx.io.stdout, ctx.io);
  const lines = [
    ...diff.added.map((id) => paint('green', `+ ${id}`)),
    ...diff.removed.map((id) => paint('red', `- ${id}`)),
    ...diff.changed.map((id) => paint('yellow', `~ ${id}`)),
    `${diff.added.length} added, ${diff.removed.length} removed, ${diff.changed.length} changed, ${diff.unchanged} unchanged`,
  ];
  if (diff.entity !== undefined) {
    lines.push('', `entity ${diff.entity.id}:`);
    if (diff.entity.changes.length === 0) lines.push('  (no change)');
    for (const c of diff.entity.changes) {
      const at = c.path === '' ? '(root)' : c.path;
      const show = (v: unknown) => JSON.stringify(v);
      if (c.kind === 'added')
        lines.push(paint('green', `  + ${at}: ${show(c.after)}`));
      else if (c.kind === 'removed')
        lines.push(paint('red', `  - ${at}: ${show(c.before)}`));
      else
        lines.push(
          paint('yellow', `  ~ ${at}: ${show(c.before)} → ${show(c.after)}`),
        );
    }
  }
  ctx.io.stdout.write(`${lines.join('\n')}\n`);
}

interface VerifyCliOptions extends JsonOption {
  readonly all?: boolean;
}

/** `runstate verify URL [RUN…|--all]`. */
export function verifyCommand(program: Command, ctx: CommandContext): void {
  const command = program
    .command('verify')
    .description(
      'read every state of every live savepoint (header, checksum, decode); exit 1 naming run, timestamp, entity and reason when anything fails',
    )
    .argument('<url>', 'storage URL')
    .argument('[runs...]', 'the runs to verify')
    .option('--all', 'verify every run')
    .action((url: string, runIds: string[], options: VerifyCliOptions) => {
      if (runIds.length > 0 === (options.all === true)) {
        throw new UsageError('give either run ids or --all');
      }
      return withStorage(url, 'read', async (storage) => {
        const report = await verifyStorage(
          storage,
          options.all === true ? {} : { runIds },
        );
        if (!report.ok) ctx.exitCode = EXIT_FAILED;
        if (options.json === true) return printJson(ctx.io, report);
        printReport(ctx, report);
      });
    });
  finish(command, [
    'runstate verify state.sqlite --all',
    'runstate verify postgres://localhost/app orders invoices --json',
  ]);
}

function printReport(ctx: CommandContext, report: VerifyReport): void {
  const paint = painter(ctx.io.stdout, ctx.io);
  const { runs, savepoints, entities } = report.checked;
  const lines = report.failures.map((f) => {
    const where = [
      `run ${JSON.stringify(f.runId)}`,
      ...(f.timestamp === undefined
        ? []
        : [`savepoint ${f.timestamp} (${isoDate(f.timestamp)})`]),
      ...(f.entityId === undefined
        ? []
        : [`entity ${JSON.stringify(f.entityId)}`]),
    ].join(' ');
    return `${paint('red', 'FAIL')} ${where}: ${f.code} ${f.reason}`;
  });
  const summary = `${count(runs, 'run')}, ${count(savepoints, 'savepoint')}, ${count(entities, 'state')} checked`;
  lines.push(
    report.ok
      ? `${paint('green', 'OK')} ${summary}`
      : `${paint('red', count(report.failures.length, 'failure'))}; ${summary}`,
  );
  ctx.io.stdout.write(`${lines.join('\n')}\n`);
}
