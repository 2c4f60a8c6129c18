/**
 * Child of golden-upgrade.test.ts: opens a SQLite file writable (which
 * upgrades an old schema) and prints the live savepoints of run `orders`.
 */
import { SqliteStorage } from '../../../src/storage/sqlite/index.js';

const storage = await SqliteStorage.open({
  path: process.argv[2]!,
  busyTimeoutMs: 20_000,
});
process.stdout.write(JSON.stringify(await storage.listSavepoints('orders')));
await storage.close();
