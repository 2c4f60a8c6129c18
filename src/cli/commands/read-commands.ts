/**
 * The read commands: `runs`, `savepoints` and `show`. Each opens the storage
 * read-only.
 *
 * @packageDocumentation
 */
import type { Command } from 'commander';
import { RunStateError } from '../../errors.js';
import {
  decodeEntity,
  encodeTagged,
  metaOf,
  readOrThrow,
} from '../../export/index.js';
import {
  summarizeRuns,
  summarizeSavepoints,
  type RunSummary,
  type SavepointSummary,
} from '../../inspect/index.js';
import { defaultCodec } from '../../storage/codec/index.js';
import type { StoredSavepoint } from '../../storage/index.js';
import { formatBytes, isoDate, parseTimestamp, table } from '../format.js';
import { printJson } from '../io.js';
import { quarantinedJson, quarantinedTable } from './quarantine-table.js';
import {
  finish,
  withStorage,
  type CommandContext,
  type JsonOption,
} from './context.js';

/** `runstate runs URL`. */
export function runsCommand(program: Command, ctx: CommandContext): void {
  const command = program
    .command('runs')
    .description(
      'list the runs with their savepoint count and newest savepoint (timestamp, date, version, size)',
    )
    .argument('<url>', 'storage URL')
    .action((url: string, options: JsonOption) =>
      withStorage(url, 'read', async (storage) => {
        const runs = await summarizeRuns(storage);
        const withDates = runs.map(
          ({ runId, savepoints, newest, ...rest }) => ({
            runId,
            savepoints,
            ...(newest === undefined ? {} : { newest, date: isoDate(newest) }),
            ...rest,
          }),
        );
        if (options.json === true) return printJson(ctx.io, withDates);
        ctx.io.stdout.write(runsTable(runs));
      }),
    );
  finish(command, [
    'runstate runs state.sqlite',
    'runstate runs postgres://localhost/app?schema=jobs --json',
  ]);
}

function runsTable(runs: readonly RunSummary[]): string {
  const rows = runs.map((r) => [
    r.runId,
    String(r.savepoints),
    r.newest === undefined ? '-' : String(r.newest),
    r.newest === undefined ? '-' : isoDate(r.newest),
    r.version === undefined ? '-' : String(r.version),
    r.bytes === undefined ? '-' : formatBytes(r.bytes),
  ]);
  const header = ['RUN', 'SAVEPOINTS', 'NEWEST', 'DATE', 'VERSION', 'SIZE'];
  return table(header, rows);
}

/** `runstate savepoints URL RUN`. */
export function savepointsCommand(program: Command, ctx: CommandContext) {
  const command = program
    .command('savepoints')
    .description(
      "list a run's live savepoints (timestamp, date, entities, bytes, version, metadata), then its quarantined ones",
    )
    .argument('<url>', 'storage URL')
    .argument('<run>', 'run id')
    .action((url: string, runId: string, options: JsonOption) =>
      withStorage(url, 'read', async (storage) => {
        if (!(await storage.isInitialized(runId))) throw noRun(runId);
        const live = (await summarizeSavepoints(storage, runId)).map(
          ({ timestamp, ...rest }) => ({
            timestamp,
            date: isoDate(timestamp),
            ...rest,
          }),
        );
        const quarantined =
          typeof storage.listQuarantined === 'function'
            ? await storage.listQuarantined(runId)
            : [];
        if (options.json === true) {
          const q = quarantinedJson(quarantined);
          return printJson(ctx.io, { runId, live, quarantined: q });
        }
        ctx.io.stdout.write(savepointsTable(live));
        if (quarantined.length > 0) {
          ctx.io.stdout.write(
            `\nquarantined:\n${quarantinedTable(quarantined)}`,
          );
        }
      }),
    );
  finish(command, [
    'runstate savepoints state.sqlite orders',
    'runstate savepoints file:./state orders --json',
  ]);
}

function savepointsTable(list: readonly SavepointSummary[]): string {
  const rows = list.map((s) => [
    String(s.timestamp),
    isoDate(s.timestamp),
    String(s.entities),
    formatBytes(s.bytes),
    String(s.version),
    s.metadata === undefined ? '' : JSON.stringify(encodeTagged(s.metadata)),
  ]);
  const header = ['TIMESTAMP', 'DATE', 'ENTITIES', 'BYTES', 'VERSION'];
  return table([...header, 'METADATA'], rows);
}

/** The error for a run the storage does not have. */
export function noRun(runId: string): RunStateError {
  return new RunStateError(
    'E_NO_SAVEPOINT',
    `run ${JSON.stringify(runId)} does not exist`,
    { details: { runId } },
  );
}

interface ShowOptions extends JsonOption {
  readonly at?: string;
  readonly entity?: string;
}

/** `runstate show URL RUN [--at TS] [--entity ID]`. */
export function showCommand(program: Command, ctx: CommandContext): void {
  const command = program
    .command('show')
    .description(
      "show a savepoint's entities with their sizes, or one entity's state as tagged JSON",
    )
    .argument('<url>', 'storage URL')
    .argument('<run>', 'run id')
    .option(
      '--at <ts>',
      'the savepoint (epoch ms or ISO date); default: the newest',
    )
    .option('--entity <id>', "print this entity's state as tagged JSON")
    .action((url: string, runId: string, options: ShowOptions) =>
      withStorage(url, 'read', (storage) =>
        readOrThrow(
          storage,
          runId,
          options.at === undefined
            ? undefined
            : parseTimestamp('--at', options.at),
        ).then((savepoint) => show(ctx, runId, savepoint, options)),
      ),
    );
  finish(command, [
    'runstate show state.sqlite orders',
    'runstate show state.sqlite orders --at 1767225600000 --entity totals',
    'runstate show redis://localhost:6379?prefix=app: orders --json',
  ]);
}

function show(
  ctx: CommandContext,
  runId: string,
  savepoint: StoredSavepoint,
  options: ShowOptions,
): void {
  const { timestamp } = savepoint;
  const base = {
    runId,
    timestamp,
    date: isoDate(timestamp),
    version: metaOf(savepoint).version,
  };
  if (options.entity !== undefined) {
    return showEntity(ctx, base, savepoint, options.entity, options.json);
  }
  const entities = [...savepoint.entries]
    .map(([id, bytes]) => ({ id, bytes: bytes.byteLength }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (options.json === true) return printJson(ctx.io, { ...base, entities });
  ctx.io.stdout.write(
    `run ${runId}  savepoint ${timestamp} (${base.date})  version ${base.version}\n\n` +
      table(
        ['ENTITY', 'BYTES'],
        entities.map((e) => [e.id, String(e.bytes)]),
      ),
  );
}

function showEntity(
  ctx: CommandContext,
  base: { readonly runId: string; readonly timestamp: number },
  savepoint: StoredSavepoint,
  entityId: string,
  json: boolean | undefined,
): void {
  const { runId, timestamp } = base;
  const entry = savepoint.entries.find(([id]) => id === entityId);
  if (entry === undefined) {
    throw new RunStateError(
      'E_NO_SAVEPOINT',
      `savepoint ${timestamp} of run ${JSON.stringify(runId)} has no entity ${JSON.stringify(entityId)}`,
      { details: { runId, timestamp, entityId } },
    );
  }
  const state = encodeTagged(
    decodeEntity(defaultCodec, runId, timestamp, entityId, entry[1]),
  );
  if (json === true) return printJson(ctx.io, { ...base, entityId, state });
  ctx.io.stdout.write(`${JSON.stringify(state, null, 2)}\n`);
}
