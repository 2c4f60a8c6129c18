/**
 * The types of the StateStore machine: its input, context, events and the
 * facts it reports.
 *
 * @packageDocumentation
 */
import type { RunStateError } from '../../errors.js';
import type { RunState } from '../../schedule/index.js';
import type { Savepoint } from '../../schedule/index.js';
import type { InitOutput, StoreIo } from './state-store-io.js';
import type { LoadOutput, LoadRequest } from './state-store-load.js';

/** One encoded save, as batched by the handle. @internal */
export interface SaveItem {
  readonly id: string;
  readonly timestamp: number;
  /** The oldest savepoint the state is valid for. */
  readonly from: number;
  readonly bytes: Uint8Array;
}

/** Facts about one persisted savepoint, given to `onPersisted`. */
export interface PersistedInfo {
  /** The run. */
  readonly runId: string;
  /** The savepoint's scheduled timestamp. */
  readonly timestamp: number;
  /** How many entity states it holds. */
  readonly entityCount: number;
  /** The state version it was written at (the store's `version`). */
  readonly version: number;
}

/** Counters of ignored and failed work, for `status()`. */
export interface StoreCounters {
  /** Saves that filled no savepoint (older than every open one). */
  readonly stale: number;
  /** Saves from entity ids not registered in the run. */
  readonly unknown: number;
  /** Savepoints given up by the `maxOpenSavepoints` limit. */
  readonly discarded: number;
  /** Savepoints persisted. */
  readonly persisted: number;
  /** Savepoints whose persistence failed. */
  readonly failed: number;
  /**
   * Complete savepoints never written because a newer one completed while
   * they waited (`persistIntervalMs`).
   */
  readonly superseded: number;
}

/** @internal */
export interface StoreMachineInput {
  readonly io: StoreIo;
  readonly report: (error: RunStateError) => void;
  readonly onPersisted: (info: PersistedInfo) => void;
}

/** A pending init/load call. @internal */
export interface Request {
  readonly resolve: (value: never) => void;
  readonly reject: (error: unknown) => void;
}

/** @internal */
export interface StoreContext extends StoreMachineInput {
  runState: RunState<Uint8Array> | undefined;
  queue: Savepoint<Uint8Array>[];
  quarantine: number[];
  request: Request | undefined;
  /** `flush()` calls: each resolves once savepoint `until` is done. */
  flushes: FlushWaiter[];
  /** `close()` calls, resolved when the store is closed. */
  closes: (() => void)[];
  closing: boolean;
  persistedNewest: number | undefined;
  /** Whether `queue[0]` is being written. */
  writing: boolean;
  counters: StoreCounters;
}

/** A pending `flush()`. @internal */
export interface FlushWaiter {
  /** The newest savepoint queued when flush was called. */
  readonly until: number;
  readonly resolve: () => void;
}

/** @internal */
export type StoreEvent =
  | {
      type: 'init';
      timestamp: number;
      ids: readonly string[];
      resolve: (output: InitOutput) => void;
      reject: (error: unknown) => void;
    }
  | {
      type: 'load';
      request: LoadRequest;
      resolve: (output: LoadOutput) => void;
      reject: (error: unknown) => void;
    }
  | { type: 'saves'; batch: readonly SaveItem[] }
  | { type: 'flush'; resolve: () => void }
  | { type: 'close'; resolve: () => void }
  | { type: 'abort' };
