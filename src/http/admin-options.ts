import { defaultCodec, type Codec } from '../storage/codec/index.js';
import type { StorageAdapter } from '../storage/index.js';
import { checkOptions, show } from '../validate.js';

/** Something in this process whose status the admin API shows. */
export interface LiveRun {
  /** The run id. */
  readonly runId: string;
  /** Its status: a `RunHandle`'s or a `StateStore`'s `status()`. */
  status(): LiveStatus;
}

/**
 * The part of a run's or a store's status the admin API serves: `RunStatus`
 * and `StateStoreStatus` are both one.
 */
export interface LiveStatus {
  readonly runId: string;
  readonly phase: string;
  readonly newestPersisted: number | undefined;
  readonly open: readonly {
    readonly timestamp: number;
    readonly filled: number;
    readonly missing: readonly string[];
  }[];
  /** Counters by name (numbers). */
  readonly counters: object;
}

/** Options of {@link createAdminServer}. */
export interface AdminServerOptions {
  /** The storage to show. Only read: the server never writes to it. */
  readonly storage: StorageAdapter;
  /**
   * Runs and stores living in this process, for their live status
   * (`RunHandle`s from `startRun`, `StateStore`s): a list, or a function
   * called on each request.
   * @defaultValue none
   */
  readonly runs?: Iterable<LiveRun> | (() => Iterable<LiveRun>);
  /**
   * When set, every request but the page itself must carry
   * `Authorization: Bearer <token>`; others get 401.
   * @defaultValue none (no authentication: keep the default host)
   */
  readonly token?: string;
  /**
   * Most items one list response holds (runs, savepoints, entities); more
   * are reached with `offset`.
   * @defaultValue 1000
   */
  readonly pageLimit?: number;
  /** The codec the states were stored with. @defaultValue `defaultCodec` */
  readonly codec?: Codec;
}

/** Checked options. @internal */
export interface AdminConfig {
  readonly storage: StorageAdapter;
  readonly runs: () => Iterable<LiveRun>;
  readonly token: string | undefined;
  readonly pageLimit: number;
  readonly codec: Codec;
}

/** Check the options, naming a bad one. @internal */
export function checkAdminOptions(options: AdminServerOptions): AdminConfig {
  if (options === undefined) {
    throw new TypeError('options must be an object, got undefined');
  }
  checkOptions('options', options);
  const { storage, runs, token, pageLimit = 1000 } = options;
  const codec = options.codec === undefined ? defaultCodec : options.codec;
  if (typeof (codec as Partial<Codec> | null)?.decode !== 'function') {
    throw new TypeError(`options.codec must be a Codec, got ${show(codec)}`);
  }
  const s = storage as Partial<StorageAdapter> | null;
  if (
    typeof s?.listRuns !== 'function' ||
    typeof s.readSavepoint !== 'function'
  ) {
    throw new TypeError(
      `options.storage must be a StorageAdapter, got ${show(storage)}`,
    );
  }
  if (token !== undefined && (typeof token !== 'string' || token === '')) {
    throw new TypeError(
      `options.token must be a non-empty string, got ${show(token)}`,
    );
  }
  if (!Number.isSafeInteger(pageLimit) || pageLimit < 1) {
    throw new RangeError(
      `options.pageLimit must be a positive integer, got ${show(pageLimit)}`,
    );
  }
  return { storage, runs: liveRuns(runs), token, pageLimit, codec };
}

function liveRuns(runs: AdminServerOptions['runs']): () => Iterable<LiveRun> {
  if (runs === undefined) return () => [];
  if (typeof runs === 'function') return runs;
  if (typeof runs === 'object' && runs !== null && Symbol.iterator in runs) {
    return () => runs;
  }
  throw new TypeError(
    `options.runs must be a list of runs or a function returning one, got ${show(runs)}`,
  );
}
