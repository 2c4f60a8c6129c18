/**
 * Shared by the offline-migration tests and their child process: a chain
 * from version 0 (`{ n }`) to 2 (`{ total, unit }`), and runs written at
 * version 0.
 */
import {
  defaultCodec,
  defineMigrations,
  mapStates,
  type StorageAdapter,
} from '../../src/index.js';

export type Shapes = {
  0: { n: number };
  1: { n: number; unit: string };
  2: { total: number; unit: string };
};

export const chain = defineMigrations<Shapes>({
  1: mapStates((s) => ({ ...s, unit: 'kg' })),
  2: mapStates((s) => ({ total: s.n * 10, unit: s.unit })),
});

/** Write `runs` runs with savepoints at 60, 120, 180 (version 0). */
export async function writeRuns(
  storage: StorageAdapter,
  runs: number,
  entities = 3,
): Promise<void> {
  for (let r = 0; r < runs; r++) {
    for (const ts of [60, 120, 180]) {
      const entries = Array.from({ length: entities }, (_, i) => {
        const state = { n: r * 1000 + ts + i };
        return [`e${i}`, defaultCodec.encode(state)] as const;
      });
      await storage.writeSavepoint(
        `run-${r}`,
        { timestamp: ts, entries },
        { keep: 3 },
      );
    }
  }
}
