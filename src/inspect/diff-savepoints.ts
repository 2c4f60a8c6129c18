/**
 * Compare two savepoints of a run: which entities were added, removed or
 * changed, and optionally a structural diff of one entity's state.
 *
 * @packageDocumentation
 */
import { decodeEntity, encodeTagged, readOrThrow } from '../export/index.js';
import { defaultCodec, type Codec } from '../storage/codec/index.js';
import type { StorageAdapter } from '../storage/index.js';
import {
  checkCodecOption,
  checkId,
  checkOptions,
  checkStorageArg,
} from '../validate.js';
import { diffValues, type ValueChange } from './diff-values.js';

/** Options of {@link diffSavepoints}. */
export interface DiffSavepointsOptions {
  /** Also diff this entity's state structurally. */
  readonly entityId?: string;
  /** The codec the states were written with. @defaultValue defaultCodec */
  readonly codec?: Codec;
}

/** The result of {@link diffSavepoints}. */
export interface SavepointDiff {
  /** The run. */
  readonly runId: string;
  /** The first savepoint's timestamp. */
  readonly from: number;
  /** The second savepoint's timestamp. */
  readonly to: number;
  /** Entity ids only in the second savepoint, sorted. */
  readonly added: readonly string[];
  /** Entity ids only in the first savepoint, sorted. */
  readonly removed: readonly string[];
  /** Entity ids in both whose stored state differs, sorted. */
  readonly changed: readonly string[];
  /** How many entities are in both with identical stored states. */
  readonly unchanged: number;
  /** The structural diff of `options.entityId`'s state, when asked for. */
  readonly entity?: {
    readonly id: string;
    readonly changes: readonly ValueChange[];
  };
}

/**
 * Compare two live savepoints of a run.
 *
 * @remarks
 * Entities are compared by their stored bytes; with `entityId`, that
 * entity's two states are decoded and compared by {@link diffValues} (an
 * entity missing on one side is one `added` or `removed` change at the
 * root).
 *
 * @example
 * ```ts
 * const diff = await diffSavepoints(storage, 'orders', t1, t2, { entityId: 'totals' });
 * ```
 * @param storage - the storage (read-only is enough)
 * @param runId - the run
 * @param from - the first savepoint's timestamp
 * @param to - the second savepoint's timestamp
 * @param options - `entityId`, `codec`
 * @throws `E_NO_SAVEPOINT` when either savepoint is not live;
 * `E_CORRUPTED` for an entity state that cannot be decoded
 */
export async function diffSavepoints(
  storage: StorageAdapter,
  runId: string,
  from: number,
  to: number,
  options: DiffSavepointsOptions = {},
): Promise<SavepointDiff> {
  checkStorageArg('storage', storage, ['readSavepoint']);
  checkOptions('options', options);
  if (options.entityId !== undefined)
    checkId('options.entityId', options.entityId);
  checkCodecOption('options.codec', options.codec);
  const a = new Map((await readOrThrow(storage, runId, from)).entries);
  const b = new Map((await readOrThrow(storage, runId, to)).entries);
  const sorted = (ids: Iterable<string>) => [...ids].sort();
  const added = sorted([...b.keys()].filter((id) => !a.has(id)));
  const removed = sorted([...a.keys()].filter((id) => !b.has(id)));
  const both = [...a.keys()].filter((id) => b.has(id));
  const changed = sorted(
    both.filter((id) => !Buffer.from(a.get(id)!).equals(b.get(id)!)),
  );
  const id = options.entityId;
  const codec = options.codec ?? defaultCodec;
  const state = (map: Map<string, Uint8Array>, ts: number) => {
    const bytes = id === undefined ? undefined : map.get(id);
    return bytes === undefined
      ? undefined
      : { value: decodeEntity(codec, runId, ts, id!, bytes) };
  };
  return {
    runId,
    from,
    to,
    added,
    removed,
    changed,
    unchanged: both.length - changed.length,
    ...(id === undefined
      ? {}
      : {
          entity: { id, changes: entityChanges(state(a, from), state(b, to)) },
        }),
  };
}

type Side = { value: unknown } | undefined;

function entityChanges(a: Side, b: Side): ValueChange[] {
  if (a === undefined && b === undefined) return [];
  if (a === undefined) {
    return [{ path: '', kind: 'added', after: encodeTagged(b!.value) }];
  }
  if (b === undefined) {
    return [{ path: '', kind: 'removed', before: encodeTagged(a.value) }];
  }
  return diffValues(a.value, b.value);
}
