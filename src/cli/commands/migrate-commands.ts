/**
 * `runstate migrate`: check (`--dry-run`) or run the offline migration of
 * every run of a store through a migration chain.
 *
 * @packageDocumentation
 */
import type { Command } from 'commander';
import {
  checkMigrations,
  migrateRuns,
  type MigrationReport,
  type RunMigrationResult,
} from '../../migrate/index.js';
import { count } from '../format.js';
import { EXIT_FAILED, printJson } from '../io.js';
import { loadMigrations } from '../load-migrations.js';
import { startProgress } from '../progress.js';
import {
  finish,
  withStorage,
  type CommandContext,
  type JsonOption,
} from './context.js';

interface MigrateOptions extends JsonOption {
  readonly migrations: string;
  readonly dryRun?: boolean;
}

/** One run's result as JSON (the error as code and message). */
function jsonResult(result: RunMigrationResult) {
  if (result.error === undefined) return result;
  const { code, message, details } = result.error;
  return { ...result, error: { code, message, details } };
}

/** One line per run, then the counts. */
function describe(
  results: readonly RunMigrationResult[],
  report: MigrationReport,
  dryRun: boolean,
): string {
  const lines = results.map((r) => {
    if (r.error !== undefined) {
      return `FAIL ${r.runId}: ${r.error.code}: ${r.error.message}`;
    }
    const versions = r.from === undefined ? '' : ` v${r.from} → v${r.to}`;
    const what = r.status === 'migrated' && dryRun ? 'would migrate' : r.status;
    const at = r.timestamp === undefined ? '' : ` savepoint ${r.timestamp}`;
    const entities = r.entities === undefined ? '' : `, ${r.entities} entities`;
    return `${r.runId}: ${what}${versions}${at}${entities}`;
  });
  const c = report.counts;
  lines.push(
    `${count(report.total, 'run')}: ${c.migrated} ${dryRun ? 'would migrate' : 'migrated'}, ${c.current} current, ${c.empty} empty, ${c.raced} raced, ${c.failed} failed`,
  );
  return `${lines.join('\n')}\n`;
}

/** `runstate migrate URL --migrations FILE [--dry-run]`. */
export function migrateCommand(program: Command, ctx: CommandContext): void {
  const command = program
    .command('migrate')
    .description(
      "migrate every run's newest savepoint to the chain's version (docs/migrations.md); --dry-run only checks",
    )
    .argument('<url>', 'storage URL')
    .requiredOption(
      '--migrations <file>',
      'a JS or TS module exporting the chain (default export or `migrations`)',
    )
    .option(
      '--dry-run',
      'load every run through the chain without writing (read-only)',
    )
    .action(async (url: string, options: MigrateOptions) => {
      const migrations = await loadMigrations(options.migrations);
      const dryRun = options.dryRun === true;
      const json = options.json === true;
      await withStorage(url, dryRun ? 'read' : 'change', async (storage) => {
        const results: RunMigrationResult[] = [];
        const label = dryRun ? 'checking' : 'migrating';
        const progress = startProgress(ctx.io, json, label, 'runs');
        const onProgress = (
          p: Parameters<typeof progress.update>[0] & {
            readonly result: RunMigrationResult;
          },
        ) => {
          results.push(p.result);
          progress.update(p);
        };
        const run = dryRun ? checkMigrations : migrateRuns;
        const report = await run(storage, migrations, { onProgress }).finally(
          progress.stop,
        );
        if (report.failures.length > 0) ctx.exitCode = EXIT_FAILED;
        if (json) {
          const { failures: _, ...rest } = report;
          return printJson(ctx.io, {
            dryRun,
            version: migrations.version,
            ...rest,
            runs: results.map(jsonResult),
          });
        }
        ctx.io.stdout.write(describe(results, report, dryRun));
      });
    });
  finish(command, [
    'runstate migrate state.sqlite --migrations src/migrations.ts --dry-run',
    'runstate migrate postgres://localhost/app?schema=jobs --migrations dist/migrations.js',
  ]);
}
