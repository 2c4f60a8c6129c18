/**
 * The order of quarantines on file storage is the order they happened, even
 * within one millisecond: a restore takes the savepoint quarantined last.
 * (The conformance case "restores the savepoint quarantined last" failed now
 * and then: two quarantines in the same millisecond were ordered by their
 * random name suffix.)
 */
import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FileStorage } from '../../../src/storage/file/index.js';
import { quarantineStamp } from '../../../src/storage/file/file-layout.js';
import { tempDir } from './file-fixture.js';

const dirs: string[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

const sp = (timestamp: number, byte: number, version: number) => ({
  timestamp,
  entries: [['a', new Uint8Array([byte])] as const],
  meta: { version },
});

describe('file storage quarantine order', () => {
  it('restores the one quarantined last when both were quarantined in the same millisecond', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    await using storage = await FileStorage.open({ directory: dir });
    vi.spyOn(Date, 'now').mockReturnValue(1_700_000_000_000);
    for (let round = 0; round < 20; round++) {
      const run = `r${round}`;
      await storage.writeSavepoint(run, sp(3, 1, 1), { keep: 5 });
      await storage.quarantineSavepoint(run, 3);
      await storage.writeSavepoint(run, sp(3, 2, 2), { keep: 5 });
      await storage.quarantineSavepoint(run, 3);
      const listed = await storage.listQuarantined(run);
      expect(listed.map((q) => q.version)).toEqual([1, 2]);
      await storage.restoreSavepoint(run, 3);
      const back = await storage.readSavepoint(run);
      expect(back?.meta?.version).toBe(2);
    }
  });

  it('quarantineStamp: now, or one past the newest quarantined file', () => {
    const name = (at: number) =>
      `${'3'.padStart(16, '0')}-${String(at).padStart(13, '0')}-ab12.savepoint`;
    expect(quarantineStamp([], 500)).toBe(500);
    expect(quarantineStamp([name(400)], 500)).toBe(500);
    expect(quarantineStamp([name(500), 'junk'], 500)).toBe(501);
    expect(quarantineStamp([name(900), name(700)], 500)).toBe(901);
  });
});
