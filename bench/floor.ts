/**
 * The floor of the persistence benchmarks: the least work that stores and
 * reads back the same states with the same tools, without runstate. States
 * are encoded by a msgpackr `Packr` configured exactly like runstate's codec
 * (no header, no checksum, no storability walk, no copy) and inserted in one
 * better-sqlite3 transaction into a plain `(entity_id TEXT, state BLOB)` table
 * of a file database with the pragmas runstate's SQLite storage uses (WAL,
 * `synchronous = FULL`, `busy_timeout = 5000`). Reading selects every row
 * and decodes it.
 */
import Database from 'better-sqlite3';
import { Packr } from 'msgpackr';

/** The same Packr options as `createCodec()` in src/storage/codec.ts. */
export function floorPackr(): Packr {
  return new Packr({
    structuredClone: true,
    useBigIntExtension: true,
    mapsAsObjects: false,
    copyBuffers: true,
  });
}

/** A floor database: a file DB holding one table of encoded states. */
export class Floor {
  readonly #db: Database.Database;
  readonly #packr = floorPackr();
  readonly #insert: Database.Statement<[string, Uint8Array]>;
  readonly #select: Database.Statement<[], [string, Uint8Array]>;
  readonly #write: (ids: readonly string[], states: readonly unknown[]) => void;

  constructor(path: string) {
    this.#db = new Database(path);
    this.#db.pragma('busy_timeout = 5000');
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = FULL');
    this.#db.exec(
      'CREATE TABLE IF NOT EXISTS floor_states (entity_id TEXT, state BLOB)',
    );
    this.#insert = this.#db.prepare(
      'INSERT INTO floor_states (entity_id, state) VALUES (?, ?)',
    );
    this.#select = this.#db
      .prepare<[], [string, Uint8Array]>(
        'SELECT entity_id, state FROM floor_states',
      )
      .raw();
    this.#write = this.#db.transaction(
      (ids: readonly string[], states: readonly unknown[]) => {
        const packr = this.#packr;
        const insert = this.#insert;
        for (let i = 0; i < ids.length; i++) {
          insert.run(ids[i] as string, packr.pack(states[i]));
        }
      },
    );
  }

  /** Untimed: empty the table, so it holds only the next write's rows. */
  clear(): void {
    this.#db.exec('DELETE FROM floor_states');
  }

  /** Timed: encode every state and insert all of them in one transaction. */
  write(ids: readonly string[], states: readonly unknown[]): void {
    this.#write(ids, states);
  }

  /** Timed: select every row and decode it. */
  read(): [string, unknown][] {
    const rows = this.#select.all();
    const packr = this.#packr;
    const out = new Array<[string, unknown]>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const [id, bytes] = rows[i] as [string, Uint8Array];
      out[i] = [id, packr.unpack(bytes)];
    }
    return out;
  }

  close(): void {
    this.#db.close();
  }
}
