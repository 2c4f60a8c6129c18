/**
 * Checking user code's `[id, state]` pairs: what a load's `update` and a
 * migration step return.
 *
 * @packageDocumentation
 */
import { ensureError, type RunStateError } from './errors.js';
import { checkId, show } from './validate.js';

/**
 * `result` as a list of `[id, state]` pairs with unique well-formed ids.
 *
 * @param result - what the user's function returned (any iterable)
 * @param fail - builds the error to throw, from the reason
 * @returns the pairs, copied into an array
 * @throws the error `fail` builds, for anything else
 * @internal
 */
export function checkStatePairs(
  result: unknown,
  fail: (reason: string) => RunStateError,
): [string, unknown][] {
  if (
    result === null ||
    typeof result !== 'object' ||
    !(Symbol.iterator in result)
  ) {
    throw fail(`must return a list of [id, state] pairs, got ${show(result)}`);
  }
  const pairs: [string, unknown][] = [];
  const seen = new Set<string>();
  for (const pair of result as Iterable<unknown>) {
    if (!Array.isArray(pair) || pair.length !== 2) {
      throw fail(`returned ${show(pair)} where an [id, state] pair belongs`);
    }
    const [id, state] = pair as [unknown, unknown];
    try {
      checkId('entity id', id);
    } catch (error) {
      throw fail(`returned a bad entity id: ${ensureError(error).message}`);
    }
    if (seen.has(id as string)) {
      throw fail(`returned entity id ${JSON.stringify(id)} twice`);
    }
    seen.add(id as string);
    pairs.push([id as string, state]);
  }
  return pairs;
}
