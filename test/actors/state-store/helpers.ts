import {
  MemoryStorage,
  createStateStore,
  type Logger,
  type RunStateError,
  type StateStoreOptions,
  type StorageAdapter,
  type StoredSavepoint,
  type WriteSavepointOptions,
} from '../../../src/index.js';

/** A logger that records every call. */
export function captureLogger() {
  const lines: {
    level: string;
    bindings: Record<string, unknown>;
    message: string;
  }[] = [];
  const at =
    (level: string) =>
    (bindings: Readonly<Record<string, unknown>>, message: string) => {
      lines.push({ level, bindings: { ...bindings }, message });
    };
  const logger: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  };
  return { logger, lines };
}

/** A store over a MemoryStorage, collecting errors reported to onError. */
export async function memoryStore(
  options: Partial<StateStoreOptions> & { storage?: StorageAdapter } = {},
) {
  const storage = options.storage ?? (await MemoryStorage.open());
  const errors: RunStateError[] = [];
  const persisted: number[] = [];
  const store = createStateStore({
    runId: 'run-1',
    schedule: 60_000,
    onError: (error) => errors.push(error),
    onPersisted: (info) => persisted.push(info.timestamp),
    ...options,
    storage,
  });
  return { store, storage, errors, persisted };
}

/**
 * A MemoryStorage whose writes wait for `release()` (or fail on demand), and
 * which records how many writes ran at once.
 */
export class GatedStorage extends MemoryStorage {
  gate: Promise<void> = Promise.resolve();
  #open: (() => void) | undefined;
  failNext: Error | undefined;
  active = 0;
  maxActive = 0;
  written: number[] = [];

  hold(): void {
    this.gate = new Promise((resolve) => (this.#open = resolve));
  }

  release(): void {
    this.#open?.();
  }

  override async writeSavepoint(
    runId: string,
    savepoint: StoredSavepoint,
    options: WriteSavepointOptions,
  ): Promise<void> {
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    try {
      await this.gate;
      const failure = this.failNext;
      if (failure !== undefined) {
        this.failNext = undefined;
        throw failure;
      }
      await super.writeSavepoint(runId, savepoint, options);
      this.written.push(savepoint.timestamp);
    } finally {
      this.active--;
    }
  }
}

/** Let queued microtasks and promise callbacks run. */
export const settle = () => new Promise((resolve) => setImmediate(resolve));
