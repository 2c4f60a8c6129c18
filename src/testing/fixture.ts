/**
 * Fixtures and helpers shared by the conformance suite's files.
 */
import { afterEach, beforeEach, describe } from 'vitest';
import type { StorageAdapter, StoredSavepoint } from '../storage/index.js';

/** One fresh storage for one test, and what the suite may do with it. */
export interface StorageFixture {
  /** A fresh, empty, writable storage. */
  readonly storage: StorageAdapter;
  /**
   * Open another instance over the same data: read-only when
   * `options.readOnly` is true. Needed by the `reopen` and `readOnly`
   * capabilities ({@link StorageCapabilities}). The fixture's `cleanup`
   * closes what it opened.
   */
  readonly reopen?: (options: ReopenOptions) => Promise<StorageAdapter>;
  /**
   * Damage the stored bytes of a live savepoint so the codec refuses them.
   * Defaults to rewriting the run through the contract with damaged bytes.
   */
  readonly corrupt?: (runId: string, timestamp: number) => Promise<void>;
  /** Close every handle and remove every file. */
  readonly cleanup: () => Promise<void>;
}

/** What the suite asks of {@link StorageFixture.reopen}. */
export interface ReopenOptions {
  /** Open the new instance read-only. */
  readonly readOnly: boolean;
}

/**
 * Optional capabilities a backend declares to the suite; the tests of a
 * capability run exactly when it is declared (and are listed as skipped,
 * with the reason in their title, when it is not).
 */
export interface StorageCapabilities {
  /**
   * The data outlives the instance: a new instance over the same data (the
   * fixture's `reopen`) sees every run, savepoint and quarantine, also
   * after the first instance closed.
   *
   * @defaultValue false
   */
  readonly reopen?: boolean;
  /**
   * A read-only instance over the same data (`reopen({ readOnly: true })`)
   * reads everything, including savepoints written after it opened, and
   * refuses every write with `E_READ_ONLY`, changing nothing.
   *
   * @defaultValue false
   */
  readonly readOnly?: boolean;
  /**
   * Run leases with fencing tokens (`leases: true`, `acquireLease`,
   * `renewLease`, `releaseLease`, `writeSavepoint(…, { lease })`), as
   * `docs/storage-adapters.md` describes.
   *
   * @defaultValue false
   */
  readonly leases?: boolean;
  /**
   * Leases listed by `listLeases(prefix?)`, as `startWorker` needs (with
   * `leases`): every live lease, none expired or released.
   *
   * @defaultValue false
   */
  readonly listLeases?: boolean;
  /**
   * `replaceSavepoint` swaps a live savepoint for one at the same
   * timestamp atomically, quarantining the old one (what `migrateRun`
   * needs).
   *
   * @defaultValue false
   */
  readonly replace?: boolean;
  /**
   * `listQuarantined` lists the quarantined savepoints and
   * `restoreSavepoint` moves one back to live, atomically, under the
   * monotonic rule (what `runstate quarantine` needs).
   *
   * @defaultValue false
   */
  readonly quarantine?: boolean;
  /**
   * `subscribeSavepoints` announces every committed savepoint, once, in
   * commit order per run, with its version; never a refused write; none
   * after the subscription closes; and `storage.close()` ends open
   * subscriptions with `ended(E_CLOSED)` (what `watchSavepoints` needs).
   * With `reopen`, the savepoints are written through another instance,
   * as another process would.
   *
   * @defaultValue false
   */
  readonly notifications?: boolean;
}

/**
 * `describe` for a capability's cases when declared; `describe.skip`,
 * with the reason in the title, when not.
 *
 * @internal
 */
export function describeIf(
  declared: boolean | undefined,
  capability: keyof StorageCapabilities,
  body: () => void,
): void {
  if (declared === true) describe(`capability ${capability}`, body);
  else {
    describe.skip(
      `capability ${capability} (skipped: the backend does not declare it)`,
      body,
    );
  }
}

/** Creates one {@link StorageFixture} per test. */
export type StorageFactory = () => Promise<StorageFixture>;

/** The fixture of the running test, with the suite's defaults filled in. */
export interface SuiteContext {
  readonly storage: StorageAdapter;
  readonly reopen: (
    options?: Partial<ReopenOptions>,
  ) => Promise<StorageAdapter>;
  readonly corrupt: (runId: string, timestamp: number) => Promise<void>;
}

/**
 * Register `beforeEach`/`afterEach` hooks giving every test of the
 * enclosing `describe` a fresh fixture; returns a getter for it.
 */
export function useFixture(factory: StorageFactory): () => SuiteContext {
  let current: SuiteContext | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  beforeEach(async () => {
    const fixture = await factory();
    cleanup = fixture.cleanup;
    const { storage } = fixture;
    current = {
      storage,
      reopen: (options) => {
        if (fixture.reopen === undefined) {
          throw new Error(
            'the backend declares a capability that needs reopen(), but its fixture has none',
          );
        }
        return fixture.reopen({ readOnly: options?.readOnly ?? false });
      },
      corrupt:
        fixture.corrupt ??
        ((runId, timestamp) => rewriteCorrupted(storage, runId, timestamp)),
    };
  });
  afterEach(async () => {
    current = undefined;
    await cleanup?.();
  });
  return () => {
    if (current === undefined) throw new Error('no fixture outside a test');
    return current;
  };
}

/** Flip the last byte of a blob: a runstate blob then fails its checksum. */
export function damage(bytes: Uint8Array): Uint8Array {
  const copy = new Uint8Array(bytes);
  copy[copy.length - 1] = (copy[copy.length - 1] ?? 0) ^ 0xff;
  return copy;
}

/**
 * The default `corrupt`: rewrite the run's live savepoints through the
 * contract, with the target's bytes damaged (quarantined ones are lost).
 */
async function rewriteCorrupted(
  storage: StorageAdapter,
  runId: string,
  timestamp: number,
): Promise<void> {
  const timestamps = await storage.listSavepoints(runId);
  const savepoints = await Promise.all(
    timestamps.map((ts) => storage.readSavepoint(runId, ts)),
  );
  await storage.deleteRun(runId);
  for (const savepoint of savepoints) {
    if (savepoint === undefined) throw new Error('savepoint vanished');
    const entries = savepoint.entries.map(
      ([id, bytes]) =>
        [
          id,
          savepoint.timestamp === timestamp ? damage(bytes) : bytes,
        ] as const,
    );
    await storage.writeSavepoint(
      runId,
      { timestamp: savepoint.timestamp, entries },
      { keep: timestamps.length },
    );
  }
}

/** Bytes from numbers. */
export function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

/** A savepoint from `{ entityId: [byte, …] }`. */
export function savepoint(
  timestamp: number,
  states: Readonly<Record<string, readonly number[]>> = {
    a: [timestamp % 256],
  },
): StoredSavepoint {
  return {
    timestamp,
    entries: Object.entries(states).map(
      ([id, b]) => [id, bytes(...b)] as const,
    ),
  };
}

/** A savepoint's entries as sorted `[id, [byte, …]]` pairs, for `toEqual`. */
export function plain(
  sp: StoredSavepoint | undefined,
): [string, number[]][] | undefined {
  return sp?.entries
    .map(([id, b]): [string, number[]] => [id, [...b]])
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
}
