/**
 * Machine entities must not use timers: a delayed transition (`after`) or a
 * delayed `raise`/`sendTo` fires on wall-clock time, so a run's result would
 * depend on how fast it ran, and xstate does not re-arm it when an actor is
 * restored from a savepoint. `startRun` refuses such machines up front
 * ({@link findMachineTimer}); what a static look cannot see (a delay inside
 * `enqueueActions`, a spawned child's timer) fails the entity when it is
 * scheduled ({@link refusingClock}).
 *
 * @packageDocumentation
 */
import type { AnyStateMachine } from 'xstate';

/** xstate's clock (`createActor(logic, { clock })`), which it does not export. */
interface Clock {
  setTimeout(fn: (...args: unknown[]) => void, timeout: number): unknown;
  clearTimeout(id: unknown): void;
}

/** The parts of an xstate v5 state node this check reads. */
interface NodeLike {
  readonly id: string;
  readonly states: Readonly<Record<string, NodeLike>>;
  readonly after: readonly { readonly delay: unknown }[];
  readonly entry: readonly unknown[];
  readonly exit: readonly unknown[];
  readonly transitions: ReadonlyMap<
    string,
    readonly { readonly actions: readonly unknown[] }[]
  >;
  readonly always?: readonly { readonly actions: readonly unknown[] }[];
}

/** A built-in action object (`raise(…)`, `sendTo(…)`), as xstate makes it. */
interface ActionLike {
  readonly type?: unknown;
  readonly delay?: unknown;
}

const DELAYABLE = new Set(['xstate.raise', 'xstate.sendTo']);

/** The implementation an action reference names, if it has one. */
function resolve(action: unknown, machine: AnyStateMachine): unknown {
  const actions = machine.implementations.actions as Record<string, unknown>;
  if (typeof action === 'string') return actions[action];
  const type = (action as ActionLike | null)?.type;
  if (typeof action === 'object' && typeof type === 'string') {
    return actions[type];
  }
  return action;
}

/** A description of the first delayed action among `actions`, if any. */
function delayedAction(
  actions: readonly unknown[],
  machine: AnyStateMachine,
): string | undefined {
  for (const action of actions) {
    const found = resolve(action, machine) as ActionLike | undefined;
    const type = found?.type;
    if (
      typeof type === 'string' &&
      DELAYABLE.has(type) &&
      found?.delay !== undefined
    ) {
      const name = typeof action === 'string' ? ` "${action}"` : '';
      return `a delayed ${type.slice('xstate.'.length)}${name}`;
    }
  }
  return undefined;
}

/** The first timer of `node` itself (not its children), described. */
function nodeTimer(node: NodeLike, machine: AnyStateMachine) {
  const after = node.after[0];
  if (after !== undefined) {
    return `a delayed transition (after ${String(after.delay)})`;
  }
  const lists = [node.entry, node.exit];
  for (const transitions of node.transitions.values()) {
    for (const t of transitions) lists.push(t.actions);
  }
  for (const t of node.always ?? []) lists.push(t.actions);
  for (const list of lists) {
    const found = delayedAction(list, machine);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * The first timer found in `machine`, described with the state it is in,
 * or `undefined`: `after` in any state (nested and parallel ones included),
 * and `raise`/`sendTo` with a `delay` in entry, exit, transition and
 * `always` actions, inline or named in `setup({ actions })`.
 *
 * @internal
 */
export function findMachineTimer(machine: AnyStateMachine): string | undefined {
  const pending: NodeLike[] = [machine.root];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    const found = nodeTimer(node, machine);
    if (found !== undefined) return `${found} in state "${node.id}"`;
    pending.push(...Object.values(node.states));
  }
  return undefined;
}

/**
 * An xstate clock that refuses every timer: the actor of entity `entityId`
 * fails (its entity fails with `E_ENTITY_FAILED`) when it schedules a
 * delayed event.
 *
 * @internal
 */
export function refusingClock(entityId: string): Clock {
  return {
    setTimeout(_fn: (...args: unknown[]) => void, timeout: number) {
      throw new TypeError(
        `machine entity ${JSON.stringify(entityId)} scheduled a delayed event (${timeout} ms): machine entities must not use timers, their result would depend on wall-clock time and they are not restored on resume`,
      );
    },
    clearTimeout: () => undefined,
  };
}
