/**
 * Versioned state and migrations: `defineMigrations` (a typed chain of
 * steps), `mapStates`, applying a chain to a savepoint, and the offline
 * tools `checkMigrations` and `migrateRun`/`migrateRuns`. See
 * `docs/migrations.md`.
 *
 * @packageDocumentation
 */
/** @internal */
export { checkMigrationChain } from './define-migrations.js';
export { defineMigrations } from './define-migrations.js';
export type {
  MigrationContext,
  MigrationStep,
  MigrationSteps,
  Migrations,
} from './define-migrations.js';
export { mapStates } from './map-states.js';
export { applyMigrations, versionNewerError } from './apply-migrations.js';
export type { MigrationSource } from './apply-migrations.js';
export { migrateRun } from './migrate-run.js';
export type {
  MigrateOptions,
  MigrateRunResult,
  MigrateStatus,
} from './migrate-run.js';
export { checkMigrations, migrateRuns } from './migrate-runs.js';
export type {
  MigrateRunsOptions,
  MigrationProgress,
  MigrationReport,
  RunMigrationResult,
} from './migrate-runs.js';
