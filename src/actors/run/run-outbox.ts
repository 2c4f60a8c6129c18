/**
 * The outputs of one message, collected while the entities handle it and
 * delivered to the sink once every entity has: an output never reaches the
 * sink for a message whose handling failed.
 *
 * @packageDocumentation
 */
import { RunStateError, ensureError } from '../../errors.js';
import type { Emit } from './run-entity-slot.js';
import type { RunOutput } from './run-types.js';

type Sink = (output: RunOutput) => void | Promise<void>;

/** Collects outputs and hands them to the sink. @internal */
export class Outbox {
  readonly #pending: RunOutput[] = [];
  readonly #sink: Sink | undefined;
  readonly #count: { outputs: number };

  /**
   * Whether the message being handled was handled before a restart by this
   * process: its outputs are then flagged `replayed`. Set per message.
   */
  replaying = false;

  /** Collect one output (the entities' `emit`). */
  readonly emit: Emit;

  /**
   * @param sink - the run's `output` option; outputs are dropped without one
   * @param count - where delivered outputs are counted
   */
  constructor(sink: Sink | undefined, count: { outputs: number }) {
    this.#sink = sink;
    this.#count = count;
    this.emit =
      sink === undefined
        ? () => undefined
        : (entityId, timestamp, watermark, index, value) => {
            const replayed = this.replaying;
            this.#pending.push({
              entityId,
              timestamp,
              watermark,
              index,
              value,
              replayed,
            });
          };
  }

  /** Whether outputs wait for delivery. */
  get pending(): boolean {
    return this.#pending.length > 0;
  }

  /** Forget the outputs of a message whose handling failed. */
  discard(): void {
    this.#pending.length = 0;
  }

  /**
   * Deliver the collected outputs in order, awaiting a sink that returns a
   * promise.
   *
   * @throws `E_OUTPUT_FAILED` when the sink throws or rejects.
   */
  async deliver(): Promise<void> {
    const sink = this.#sink!;
    const outputs = this.#pending.splice(0);
    for (const output of outputs) {
      try {
        const result = sink(output);
        if (result !== undefined) await result;
      } catch (error) {
        const cause = ensureError(error);
        throw new RunStateError(
          'E_OUTPUT_FAILED',
          `the output sink failed on an output of entity ${JSON.stringify(output.entityId)} at ${output.timestamp}: ${cause.message}`,
          {
            cause,
            details: { entityId: output.entityId, timestamp: output.timestamp },
          },
        );
      }
      this.#count.outputs++;
    }
  }
}
