/**
 * Shared by the new-user probes: savepoints written at a version, and an
 * untyped chain.
 */
import {
  defaultCodec,
  defineMigrations,
  type Migrations,
  type StorageAdapter,
} from 'runstate';

/** Any value, typed as whatever the call wants (for bad-input probes). */
export const s = (v: unknown) => v as never;

/** One savepoint per timestamp, written at `version`, states `{ n }`. */
export async function write(
  storage: StorageAdapter,
  runId: string,
  version: number,
  stamps: number[],
  states: Record<string, unknown> = { a: { n: 1 }, b: { n: 2 } },
) {
  for (const timestamp of stamps) {
    const entries = Object.entries(states).map(
      ([id, st]) => [id, defaultCodec.encode(st)] as const,
    );
    await storage.writeSavepoint(
      runId,
      { timestamp, entries, meta: { version } },
      { keep: 10 },
    );
  }
}

/** An untyped chain of `steps` (defineMigrations without shapes). */
export const chain = (
  steps: Record<number, (x: [string, unknown][]) => unknown>,
): Migrations<unknown> => defineMigrations(s(steps));
