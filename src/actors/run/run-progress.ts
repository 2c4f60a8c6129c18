/**
 * What the attempts of a supervised run share with its supervisor and
 * `status()`: the phase, the position reached, the newest persisted
 * savepoint and the counters.
 *
 * @packageDocumentation
 */
import type { StateStore } from '../state-store/index.js';

/**
 * How far an attempt got in its input: the newest timestamp handled, and
 * how many messages were handled since it became the newest (several
 * messages may share a timestamp).
 */
export interface Position {
  timestamp: number;
  count: number;
}

/** What attempts share with the supervisor (and `status()`). */
export interface RunProgress {
  phase: 'starting' | 'running';
  lastProcessed: number | undefined;
  /** The furthest position reached by any attempt of this process. */
  readonly highWater: Position;
  newestPersisted: number | undefined;
  /** Whether an attempt already loaded (so a rewind is not repeated). */
  loaded?: boolean;
  store: StateStore | undefined;
  states: Map<string, unknown>;
  readonly counters: {
    messages: number;
    dropped: number;
    skipped: number;
    outputs: number;
    replayed: number;
  };
}
