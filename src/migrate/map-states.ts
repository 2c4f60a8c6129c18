/**
 * `mapStates`: a migration step built from a per-entity transform.
 *
 * @packageDocumentation
 */
import type { MigrationContext, MigrationStep } from './define-migrations.js';

/**
 * Thrown by a {@link mapStates} step when its transform throws for one
 * entity, so the failure can name it.
 *
 * @internal
 */
export class EntityStepError extends Error {
  /** The entity whose state the transform failed on. */
  readonly entityId: string;

  constructor(entityId: string, cause: unknown) {
    super(`entity ${JSON.stringify(entityId)}`, { cause });
    this.entityId = entityId;
  }
}

/**
 * A migration step that transforms each entity's state on its own and
 * keeps every id.
 *
 * @remarks
 * `transform` gets each state with its entity id and the step's context; a
 * throw fails the step with `E_MIGRATION_FAILED` naming that entity. To
 * rename, add, split or drop entities, write the step as a function of the
 * whole `[id, state][]` list instead.
 *
 * @example
 * ```ts
 * defineMigrations<{ 0: number; 1: { n: number } }>({
 *   1: mapStates((n) => ({ n })),
 * });
 * ```
 * @param transform - maps one state (with its id) to the next version's
 */
export function mapStates<From, To>(
  transform: (state: From, id: string, context: MigrationContext) => To,
): MigrationStep<From, To> {
  if (typeof transform !== 'function') {
    throw new TypeError(
      `transform must be a function, got ${typeof transform}`,
    );
  }
  return (states, context) =>
    states.map(([id, state]): [string, To] => {
      try {
        return [id, transform(state, id, context)];
      } catch (error) {
        throw new EntityStepError(id, error);
      }
    });
}
