/**
 * The soak's parts and their full sizes (the short versions in `test/soak/`
 * use the same functions with small ones).
 */
import { sigkill } from './sigkill.js';

/** Every part: a function producing its figures. */
export const PARTS = {
  sigkill: () => sigkill(250),
} satisfies Record<string, () => Promise<unknown>>;

export type PartName = keyof typeof PARTS;
