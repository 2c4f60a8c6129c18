/**
 * Whether the runstate tables of one Postgres schema are there: a writable
 * open creates or upgrades them (with the lease table); a read-only one
 * only reads their version, and re-checks while the schema is bare.
 *
 * @packageDocumentation
 */
import type { Logger } from '../../logger.js';
import { checkSchemaVersion } from '../schema-version.js';
import type { PgPool } from './postgres-driver.js';
import { createLeaseTable } from './postgres-lease.js';
import {
  SCHEMA_VERSION,
  migrate,
  readSchemaVersion,
} from './postgres-schema.js';

/** The tables of one storage's schema. @internal */
export class PostgresTables {
  readonly #pool: PgPool;
  readonly #schema: string;
  readonly #readOnly: boolean;
  readonly #logger: Logger;
  /** Whether the tables exist (false only while read-only on a bare schema). */
  #ready = false;

  constructor(pool: PgPool, schema: string, readOnly: boolean, logger: Logger) {
    this.#pool = pool;
    this.#schema = schema;
    this.#readOnly = readOnly;
    this.#logger = logger;
  }

  /**
   * Create or upgrade the tables (writable), or check their version
   * (read-only), at open.
   */
  async init(): Promise<void> {
    const schema = this.#schema;
    if (this.#readOnly) {
      await this.check();
      return;
    }
    const from = await migrate(this.#pool, schema);
    await createLeaseTable(this.#pool, schema);
    if (from !== SCHEMA_VERSION) {
      this.#logger.debug(
        { schema, from, to: SCHEMA_VERSION },
        'runstate Postgres schema created or upgraded',
      );
    }
    this.#ready = true;
  }

  /** Whether the tables exist; re-checked while a read-only schema is bare. */
  async check(): Promise<boolean> {
    if (this.#ready) return true;
    const version = await readSchemaVersion(this.#pool, this.#schema);
    checkSchemaVersion(version, SCHEMA_VERSION, false);
    this.#ready = version !== 0;
    return this.#ready;
  }
}
