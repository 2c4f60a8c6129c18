/**
 * The schema-version rule shared by the SQL backends.
 *
 * @internal
 */
import { RunStateError } from '../errors.js';

/**
 * Refuse a schema newer than `supported` and, when `upgradable` is false
 * (a read-only open), one older than it. 0 means "no schema yet".
 *
 * @throws `E_SCHEMA_VERSION` with `details: { found, supported }`
 * @internal
 */
export function checkSchemaVersion(
  found: number,
  supported: number,
  upgradable: boolean,
): void {
  const details = { found, supported };
  if (found > supported) {
    throw new RunStateError(
      'E_SCHEMA_VERSION',
      `the database has runstate schema version ${found}, newer than version ${supported} known to this runstate; upgrade runstate`,
      { details },
    );
  }
  if (!upgradable && found !== 0 && found < supported) {
    throw new RunStateError(
      'E_SCHEMA_VERSION',
      `the database has runstate schema version ${found}, older than version ${supported}; open it once writable to upgrade it`,
      { details },
    );
  }
}
