/**
 * The commands that move state: `export`, `import` and `copy`.
 *
 * @packageDocumentation
 */
import { once } from 'node:events';
import { createWriteStream, type ReadStream } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import type { Command } from 'commander';
import { exportSavepoint, importSavepoint } from '../../export/index.js';
import { copyRuns, type CopyReport } from '../../inspect/index.js';
import { count, isoDate, parseTimestamp } from '../format.js';
import { EXIT_FAILED, UsageError, printJson, type CliIo } from '../io.js';
import { loadMigrations } from '../load-migrations.js';
import { startProgress } from '../progress.js';
import {
  finish,
  withStorage,
  type CommandContext,
  type JsonOption,
} from './context.js';

interface ExportOptions extends JsonOption {
  readonly at?: string;
  readonly output?: string;
}

/** `runstate export URL RUN [--at TS] [-o FILE]`. */
export function exportCommand(program: Command, ctx: CommandContext): void {
  const command = program
    .command('export')
    .description(
      'export a savepoint as NDJSON tagged JSON (docs/export-format.md): a header line, then one line per entity',
    )
    .argument('<url>', 'storage URL')
    .argument('<run>', 'run id')
    .option(
      '--at <ts>',
      'the savepoint (epoch ms or ISO date); default: the newest',
    )
    .option(
      '-o, --output <file>',
      'write to this file (atomically) instead of stdout',
    )
    .action((url: string, runId: string, options: ExportOptions) => {
      const at =
        options.at === undefined
          ? undefined
          : parseTimestamp('--at', options.at);
      return withStorage(url, 'read', async (storage) => {
        const lines = exportSavepoint(
          storage,
          runId,
          at === undefined ? {} : { at },
        );
        if (options.output === undefined)
          return writeLines(ctx.io.stdout, lines);
        const header: { timestamp?: number; entities?: number } = {};
        await writeFileAtomically(options.output, keepHeader(lines, header));
        if (options.json === true) {
          const { timestamp, entities } = header;
          const output = options.output;
          return printJson(ctx.io, { runId, timestamp, entities, output });
        }
        ctx.io.stderr.write(
          `exported run ${JSON.stringify(runId)} to ${options.output}\n`,
        );
      });
    });
  finish(command, [
    'runstate export state.sqlite orders > orders.ndjson',
    'runstate export state.sqlite orders --at 1767225600000 -o orders.ndjson',
  ]);
}

/** The lines, copying the header line's fields into `header` on the way. */
async function* keepHeader(
  lines: AsyncIterable<string>,
  header: object,
): AsyncGenerator<string> {
  let first = true;
  for await (const line of lines) {
    if (first) Object.assign(header, JSON.parse(line) as object);
    first = false;
    yield line;
  }
}

/** Write lines to a stream, waiting whenever it asks to. */
async function writeLines(
  out: CliIo['stdout'],
  lines: AsyncIterable<string>,
): Promise<void> {
  for await (const line of lines) {
    if (!out.write(line)) await once(out, 'drain');
  }
}

async function writeFileAtomically(
  path: string,
  lines: AsyncIterable<string>,
): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  const file = createWriteStream(temp);
  await once(file, 'open');
  try {
    await writeLines(file, lines);
    file.end();
    await once(file, 'close');
    await rename(temp, path);
  } catch (error) {
    if (!file.closed) {
      // Pending writes fail with the destroy: only the close matters here.
      const closed = once(file, 'close').catch(() => undefined);
      file.destroy();
      await closed;
    }
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

interface ImportOptions extends JsonOption {
  readonly to: string;
  readonly run?: string;
}

/** `runstate import FILE --to URL [--run NEWID]`. */
export function importCommand(program: Command, ctx: CommandContext): void {
  const command = program
    .command('import')
    .description(
      'import a savepoint from an export file (checked strictly; nothing is written unless all of it is valid)',
    )
    .argument('<file>', "the export file, or '-' for stdin")
    .requiredOption('--to <url>', 'the storage URL to write to')
    .option('--run <id>', "import under this run id instead of the file's")
    .action(async (file: string, options: ImportOptions) => {
      // Open the file first: a missing file must not create the store.
      const source = file === '-' ? process.stdin : await openFile(file);
      await withStorage(options.to, 'create', async (storage) => {
        const result = await importSavepoint(
          storage,
          source,
          options.run === undefined ? {} : { runId: options.run },
        );
        if (options.json === true) return printJson(ctx.io, result);
        ctx.io.stderr.write(
          `imported ${result.entities} entities into run ${JSON.stringify(result.runId)} at ${result.timestamp} (${isoDate(result.timestamp)})\n`,
        );
      }).finally(() => source.destroy());
    });
  finish(command, [
    'runstate import orders.ndjson --to postgres://localhost/app',
    'runstate export a.sqlite orders | runstate import - --to b.sqlite --run orders-copy',
  ]);
}

/** A read stream over a file that is known to exist and be readable. */
async function openFile(path: string): Promise<ReadStream> {
  const handle = await open(path, 'r');
  return handle.createReadStream();
}

interface CopyOptions extends JsonOption {
  readonly from: string;
  readonly to: string;
  readonly all?: boolean;
  readonly migrations?: string;
}

/** `runstate copy --from URL --to URL [RUN…|--all]`. */
export function copyCommand(program: Command, ctx: CommandContext): void {
  const command = program
    .command('copy')
    .description(
      "copy runs' live savepoints to another storage (any backend), never over newer data, and verify the copy",
    )
    .argument('[runs...]', 'the runs to copy')
    .requiredOption(
      '--from <url>',
      'the storage URL to copy from (opened read-only)',
    )
    .requiredOption('--to <url>', 'the storage URL to copy to')
    .option('--all', 'copy every run')
    .option(
      '--migrations <file>',
      "migrate each savepoint through this chain (JS or TS module) on the way: the target gets the chain's version",
    )
    .action(async (runIds: string[], options: CopyOptions) => {
      if (runIds.length > 0 === (options.all === true)) {
        throw new UsageError('give either run ids or --all');
      }
      const migrations =
        options.migrations === undefined
          ? undefined
          : await loadMigrations(options.migrations);
      return withStorage(options.from, 'read', (from) =>
        withStorage(options.to, 'create', async (to) => {
          const progress = startProgress(ctx.io, options.json === true);
          const report = await copyRuns(from, to, {
            ...(options.all === true ? {} : { runIds }),
            ...(migrations === undefined ? {} : { migrations }),
            onProgress: progress.update,
          }).finally(progress.stop);
          if (!report.ok) ctx.exitCode = EXIT_FAILED;
          if (options.json === true) return printJson(ctx.io, report);
          printCopy(ctx, report);
        }),
      );
    });
  finish(command, [
    'runstate copy --from state.sqlite --to postgres://localhost/app?schema=jobs --all',
    'runstate copy --from file:./state --to redis://localhost:6379 orders',
    'runstate copy --from old.sqlite --to new.sqlite --all --migrations src/migrations.ts',
  ]);
}

function printCopy(ctx: CommandContext, report: CopyReport): void {
  const lines = report.runs.map(
    (r) =>
      `${r.runId}: ${count(r.copied.length, 'savepoint')} copied` +
      (r.skipped.length === 0
        ? ''
        : `, ${r.skipped.length} skipped (the target has the same or newer)`),
  );
  for (const f of report.failures) {
    lines.push(
      `FAIL run ${JSON.stringify(f.runId)} savepoint ${f.timestamp ?? '-'}${f.entityId === undefined ? '' : ` entity ${JSON.stringify(f.entityId)}`}: ${f.reason}`,
    );
  }
  lines.push(
    report.ok ? 'verified: the copy matches' : 'the copy does NOT verify',
  );
  ctx.io.stdout.write(`${lines.join('\n')}\n`);
}
