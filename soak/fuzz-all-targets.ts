/**
 * Every fuzz target, over the storages the fuzz part opened.
 */
import type { StorageAdapter } from 'runstate';
import { exportCliTargets } from './fuzz-export-targets.js';
import { optionalMethodTargets } from './fuzz-lease-targets.js';
import { miscTargets } from './fuzz-misc-targets.js';
import {
  openTargets,
  storageTargets,
  storeTargets,
} from './fuzz-storage-targets.js';
import type { FuzzTarget } from './fuzz-target.js';
import { storeMethodAndEntityTargets } from './fuzz-store-targets.js';
import { pureTargets } from './fuzz-targets.js';
import { toolTargets } from './fuzz-tool-targets.js';
import { workerWatchTargets } from './fuzz-worker-targets.js';

/** Every target, over the given storages (the first one has leases). */
export function allTargets(
  dir: string,
  storages: readonly (readonly [string, StorageAdapter])[],
): FuzzTarget[] {
  return [
    ...pureTargets(),
    ...openTargets(dir),
    ...storeTargets(storages[0]![1]),
    ...storages.flatMap(([label, storage]) => [
      ...storageTargets(label, storage),
      ...optionalMethodTargets(label, storage),
    ]),
    ...workerWatchTargets(storages[0]![1]),
    ...toolTargets(),
    ...exportCliTargets(),
    ...miscTargets(),
    ...storeMethodAndEntityTargets(),
  ];
}
