/**
 * The codec part: how an entity's state becomes bytes and back (msgpackr
 * with a versioned header and a CRC-32C checksum), and the check that
 * refuses what cannot round-trip, naming the entity and the path.
 *
 * @packageDocumentation
 */
export {
  createCodec,
  defaultCodec,
  encodeEntityState,
  unstorableEntity,
} from './codec.js';
export type { Codec } from './codec.js';
