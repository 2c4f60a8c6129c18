/**
 * The savepoint-carrying half of `BaseStorage`: `writeSavepoint` (keep and
 * fencing lease checked), `replaceSavepoint` (a compare-and-swap on the
 * version) and `readSavepoint` (metadata defaulted), through the storage's
 * operation gate.
 *
 * @packageDocumentation
 */
import { checkTimestamp } from '../validate.js';
import type { MaybePromise } from './base-storage-options.js';
import { checkWriteOptions } from './check-savepoint.js';
import type { LeaseCalls } from './lease-calls.js';
import {
  READ,
  WRITE,
  type Details,
  type OperationGate,
} from './operation-gate.js';
import { DEFAULT_META, checkVersion, withMeta } from './savepoint-meta.js';
import type {
  ReplaceOutcome,
  ReplaceSavepointOptions,
  RunLease,
  StoredSavepoint,
  WriteSavepointOptions,
} from './types.js';

/**
 * A storage's savepoint hooks (`BaseStorage._writeSavepoint` and the
 * others), called on the storage itself, so a subclass's `this` is intact.
 *
 * @internal
 */
export interface SavepointHooks {
  _writeSavepoint(
    runId: string,
    savepoint: StoredSavepoint,
    keep: number,
    fence?: RunLease,
  ): MaybePromise<void>;
  _replaceSavepoint(
    runId: string,
    savepoint: StoredSavepoint,
    expectVersion: number,
  ): MaybePromise<ReplaceOutcome>;
  _readSavepoint(
    runId: string,
    timestamp: number | undefined,
  ): MaybePromise<StoredSavepoint | undefined>;
}

/**
 * The savepoint operations of one storage: argument checks, then the
 * hook, through the storage's gate.
 *
 * @internal
 */
export class SavepointCalls {
  readonly #gate: OperationGate;
  readonly #leases: LeaseCalls;
  readonly #storage: SavepointHooks;

  constructor(
    gate: OperationGate,
    leases: LeaseCalls,
    storage: SavepointHooks,
  ) {
    this.#gate = gate;
    this.#leases = leases;
    this.#storage = storage;
  }

  /** `BaseStorage.writeSavepoint`. */
  write(
    runId: string,
    savepoint: StoredSavepoint,
    options: WriteSavepointOptions,
  ): Promise<void> {
    let keep = 0;
    let fence: RunLease | undefined;
    let complete = savepoint;
    const check = (): Details => {
      complete = withMeta(savepoint);
      keep = checkWriteOptions('options', options);
      fence = this.#leases.checkFence(runId, options.lease);
      return { timestamp: savepoint.timestamp };
    };
    return this.#gate.start('writeSavepoint', WRITE, runId, check, () =>
      this.#storage._writeSavepoint(runId, complete, keep, fence),
    );
  }

  /** `BaseStorage.replaceSavepoint`. */
  replace(
    runId: string,
    savepoint: StoredSavepoint,
    options: ReplaceSavepointOptions,
  ): Promise<ReplaceOutcome> {
    let complete = savepoint;
    let expect = 0;
    const check = (): Details => {
      complete = withMeta(savepoint);
      expect = checkVersion(
        'options.expectVersion',
        (options as Partial<ReplaceSavepointOptions> | undefined)
          ?.expectVersion,
      );
      return { timestamp: savepoint.timestamp };
    };
    return this.#gate.start('replaceSavepoint', WRITE, runId, check, () =>
      this.#storage._replaceSavepoint(runId, complete, expect),
    );
  }

  /** `BaseStorage.readSavepoint`: metadata defaulted for older backends. */
  read(
    runId: string,
    timestamp?: number,
  ): Promise<StoredSavepoint | undefined> {
    const check = (): Details => {
      if (timestamp !== undefined) checkTimestamp('timestamp', timestamp);
      return { timestamp };
    };
    return this.#gate.start('readSavepoint', READ, runId, check, async () => {
      const read = await this.#storage._readSavepoint(runId, timestamp);
      return read === undefined || read.meta !== undefined
        ? read
        : { ...read, meta: DEFAULT_META };
    });
  }
}
