/**
 * `copyRuns` with a migration chain: each savepoint is migrated on its way
 * to the target.
 *
 * @packageDocumentation
 */
import { decodeEntity, metaOf, withMeta } from '../export/index.js';
import { applyMigrations, type Migrations } from '../migrate/index.js';
import type { Codec } from '../storage/codec/index.js';
import type { StoredEntry, StoredSavepoint } from '../storage/index.js';

/**
 * The savepoint to write to the target: the source's bytes as they are
 * (no chain, or already at the chain's version), or its states migrated
 * to the chain's version and encoded again, keeping timestamp, metadata
 * and write time.
 *
 * @throws `E_VERSION_NEWER` for a savepoint newer than the chain,
 * `E_MIGRATION_FAILED` for a step that fails, `E_CORRUPTED` for a state
 * that does not decode
 */
export async function savepointToWrite(
  runId: string,
  savepoint: StoredSavepoint,
  migrations: Migrations<unknown> | undefined,
  codec: Codec,
): Promise<StoredSavepoint> {
  const meta = metaOf(savepoint);
  if (migrations === undefined || meta.version === migrations.version) {
    return withMeta(savepoint, meta);
  }
  const { timestamp } = savepoint;
  const states = await applyMigrations(
    migrations,
    savepoint.entries.map(([id, bytes]): [string, unknown] => [
      id,
      decodeEntity(codec, runId, timestamp, id, bytes),
    ]),
    { runId, timestamp, version: meta.version },
  );
  const entries = states.map(([id, state]): StoredEntry => [
    id,
    codec.encode(state),
  ]);
  return withMeta(
    { timestamp, entries },
    { ...meta, version: migrations.version },
  );
}
