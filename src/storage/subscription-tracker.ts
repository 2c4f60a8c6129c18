/**
 * The savepoint-subscription half of `BaseStorage`: `subscribeSavepoints`
 * through the storage's operation gate, and the subscriptions still open,
 * which `close()` ends, telling each subscriber `ended(E_CLOSED)`.
 *
 * @packageDocumentation
 */
import { missingMethods, show } from '../validate.js';
import {
  NO_RUN,
  READ,
  type Details,
  type OperationGate,
} from './operation-gate.js';
import type {
  SavepointSubscriber,
  SavepointSubscription,
} from './savepoint-notices.js';

/**
 * A storage's subscription hook (`BaseStorage._subscribeSavepoints`),
 * called on the storage itself, so a subclass's `this` is intact.
 *
 * @internal
 */
export interface SubscribeHook {
  _subscribeSavepoints?(
    subscriber: SavepointSubscriber,
  ): Promise<SavepointSubscription>;
}

/** Refuse a subscriber without the methods a storage calls. */
function checkSubscriber(subscriber: unknown): Details {
  const ended = (subscriber as Partial<SavepointSubscriber> | null)?.ended;
  if (
    missingMethods(subscriber, ['notice', 'lost', 'resumed']).length > 0 ||
    (ended !== undefined && typeof ended !== 'function')
  ) {
    throw new TypeError(
      `subscriber must be an object with notice, lost and resumed methods (and optionally ended), got ${show(subscriber)}`,
    );
  }
  return {};
}

/**
 * The open savepoint subscriptions of one storage.
 *
 * @internal
 */
export class SubscriptionTracker {
  readonly #gate: OperationGate;
  readonly #storage: SubscribeHook;
  readonly #open = new Map<SavepointSubscription, SavepointSubscriber>();

  constructor(gate: OperationGate, storage: SubscribeHook) {
    this.#gate = gate;
    this.#storage = storage;
  }

  /** Whether the storage has the hook (`BaseStorage.subscribeSavepoints`). */
  get enabled(): boolean {
    return typeof this.#storage._subscribeSavepoints === 'function';
  }

  /**
   * `BaseStorage.subscribeSavepoints`: subscribe through the hook, and
   * track the subscription until it closes.
   */
  async subscribe(
    subscriber: SavepointSubscriber,
  ): Promise<SavepointSubscription> {
    const storage = this.#storage;
    const hook = (s: SavepointSubscriber): Promise<SavepointSubscription> =>
      (
        storage._subscribeSavepoints as NonNullable<
          SubscribeHook['_subscribeSavepoints']
        >
      ).call(storage, s);
    const inner = await this.#gate.start(
      'subscribeSavepoints',
      READ,
      NO_RUN,
      () => checkSubscriber(subscriber),
      () => hook(subscriber),
    );
    const tracked: SavepointSubscription = {
      close: () => {
        this.#open.delete(tracked);
        return inner.close();
      },
    };
    this.#open.set(tracked, subscriber);
    return tracked;
  }

  /**
   * Close every subscription still open and tell its subscriber
   * `ended(closed)` (for `BaseStorage.close`).
   */
  async endAll(closed: Error): Promise<void> {
    const open = [...this.#open];
    this.#open.clear();
    await Promise.all(
      open.map(async ([sub, subscriber]) => {
        await sub.close();
        subscriber.ended?.(closed);
      }),
    );
  }
}
