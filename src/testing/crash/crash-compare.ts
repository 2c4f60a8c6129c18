/**
 * Reading what the children of {@link crashTest} left, and comparing the
 * crashed series with the uninterrupted one.
 *
 * @internal
 */
import { existsSync, readFileSync } from 'node:fs';
import { inspect, isDeepStrictEqual } from 'node:util';
import { defaultCodec } from '../../storage/codec/index.js';
import type { OutputLine } from './crash-contract.js';

/** Outputs by key, deduplicated, with what deduplication found. */
export interface OutputSet {
  /** Decoded values by `JSON.stringify([entityId, timestamp, index])`. */
  readonly values: Map<string, unknown>;
  readonly lines: number;
  /** Lines whose key was seen before with an equal value. */
  readonly duplicates: number;
  /** Keys seen again with a different value. */
  readonly conflicts: string[];
}

/** Read and deduplicate the output files (a torn last line is ignored). */
export function readOutputs(paths: readonly string[]): OutputSet {
  const set: OutputSet = {
    values: new Map(),
    lines: 0,
    duplicates: 0,
    conflicts: [],
  };
  for (const path of paths) {
    if (!existsSync(path)) continue;
    const lines = readFileSync(path, 'utf8').split('\n');
    lines.pop(); // '' after the last newline, or a line torn by the kill
    for (const line of lines) addLine(set, JSON.parse(line) as OutputLine);
  }
  return set;
}

function addLine(set: OutputSet, [id, ts, index, base64]: OutputLine): void {
  const key = JSON.stringify([id, ts, index]);
  const value = defaultCodec.decode(Buffer.from(base64, 'base64'));
  (set as { lines: number }).lines++;
  if (!set.values.has(key)) set.values.set(key, value);
  else if (isDeepStrictEqual(set.values.get(key), value)) {
    (set as { duplicates: number }).duplicates++;
  } else {
    set.conflicts.push(
      `${key}: ${show(set.values.get(key))} then ${show(value)}`,
    );
  }
}

/** The final states a child recorded, or `undefined` when it recorded none. */
export function readResult(path: string): { states: unknown } | undefined {
  if (!existsSync(path)) return undefined;
  return { states: defaultCodec.decode(readFileSync(path)) };
}

const show = (value: unknown): string =>
  inspect(value, { depth: 4, breakLength: Infinity, maxArrayLength: 20 });

/** Every way the crashed outputs differ from the reference, as sentences. */
export function outputDifferences(
  crashed: OutputSet,
  reference: OutputSet,
): string[] {
  const found: string[] = [];
  const list = (what: string, keys: string[]) => {
    if (keys.length > 0) {
      found.push(
        `${keys.length} outputs ${what}: ${keys.slice(0, 5).join(', ')}${keys.length > 5 ? ', …' : ''}`,
      );
    }
  };
  list(
    'conflicting between children',
    crashed.conflicts.map((c) => c.split(':')[0]!),
  );
  const ref = reference.values;
  const got = crashed.values;
  list(
    'missing after the kills',
    [...ref.keys()].filter((k) => !got.has(k)),
  );
  list(
    'only after the kills',
    [...got.keys()].filter((k) => !ref.has(k)),
  );
  list(
    'with another value after the kills',
    [...ref.keys()].filter(
      (k) => got.has(k) && !isDeepStrictEqual(got.get(k), ref.get(k)),
    ),
  );
  return found;
}

/** How the final states differ, or `undefined` when they are equal. */
export function stateDifference(
  crashed: unknown,
  reference: unknown,
): string | undefined {
  if (isDeepStrictEqual(crashed, reference)) return undefined;
  return `final states differ: after the kills ${show(crashed)}, uninterrupted ${show(reference)}`;
}
