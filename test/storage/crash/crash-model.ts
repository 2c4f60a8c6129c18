/**
 * The deterministic workload shared by the crash writer (a child process) and
 * the crash test that checks what it left on disk. Pure: imports nothing from
 * runstate, so both sides agree without sharing any state.
 *
 * The stream has one message per millisecond, starting at {@link START}; every
 * entity handles every message. So the savepoint at T is a consistent cut
 * only if every entity in it has handled exactly `T - START` messages, and
 * each entity's payload is a function of (seed, entity id, handled count) that
 * the reader recomputes.
 */

/** The run id the writer persists. */
export const RUN_ID = 'crash';
/** Savepoint schedule: one savepoint every 10 ms of event time (10 messages). */
export const SCHEDULE = 10;
/** Live savepoints kept by the writer. */
export const KEEP = 2;
/** Timestamp of the first message of a fresh run (a multiple of SCHEDULE). */
export const START = 1_000_000;
/** Payload sizes, in bytes: from MIN_PAYLOAD to MAX_PAYLOAD - 1. */
const MIN_PAYLOAD = 1024;
const MAX_PAYLOAD = 4096;

/** An entity's in-memory state while the stream runs. */
export interface WorkingState {
  readonly handled: number;
}

/** The state an entity persists: self-verifying. */
export interface StoredState {
  readonly id: string;
  readonly handled: number;
  readonly payload: Uint8Array;
}

/** FNV-1a over a string, continuing from `hash`. */
function fnv(hash: number, text: string): number {
  let h = hash >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** A 32-bit mix of two numbers (murmur3 finalizer). */
function mix(a: number, b: number): number {
  let h = (a ^ Math.imul(b, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** mulberry32, shared with the run crash test. */
export { prng } from '../../support/prng.js';

/** The run's entity ids: between 50 and 200 of them, chosen by the seed. */
export function entityIds(seed: number): string[] {
  const count = 50 + (mix(seed, 0x5eed) % 151);
  return Array.from(
    { length: count },
    (_, i) => `entity-${i.toString().padStart(3, '0')}`,
  );
}

/**
 * The payload of entity `id` after `handled` messages: 1–4 KB of
 * pseudo-random bytes, its length also varying with the count.
 */
export function payloadFor(
  seed: number,
  id: string,
  handled: number,
): Uint8Array {
  let x = mix(fnv(0x811c9dc5 ^ seed, id), handled) || 1;
  const size = MIN_PAYLOAD + (x % (MAX_PAYLOAD - MIN_PAYLOAD));
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) {
    // xorshift32
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

/** What the writer persists for an entity that has handled `handled` messages. */
export function storedState(
  seed: number,
  id: string,
  handled: number,
): StoredState {
  return { id, handled, payload: payloadFor(seed, id, handled) };
}

/**
 * Check one persisted state of entity `id` on its own: its id, and a payload
 * equal to the one derived from its handled count.
 *
 * @returns the handled count
 * @throws an `Error` describing the mismatch
 */
export function verifyState(seed: number, id: string, state: unknown): number {
  const s = state as Partial<StoredState> | null;
  if (s === null || typeof s !== 'object') {
    throw new Error(`state of ${id} is not an object: ${String(state)}`);
  }
  if (s.id !== id) {
    throw new Error(`state of ${id} names entity ${String(s.id)}`);
  }
  const { handled, payload } = s;
  if (typeof handled !== 'number' || !Number.isSafeInteger(handled)) {
    throw new Error(`state of ${id} has handled = ${String(handled)}`);
  }
  if (!(payload instanceof Uint8Array)) {
    throw new Error(`state of ${id} has no Uint8Array payload`);
  }
  const expected = payloadFor(seed, id, handled);
  if (
    payload.length !== expected.length ||
    Buffer.compare(payload, expected) !== 0
  ) {
    throw new Error(
      `payload of ${id} (${payload.length} bytes) does not match handled = ${handled} (${expected.length} bytes expected)`,
    );
  }
  return handled;
}
