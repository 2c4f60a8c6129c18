import { describe, expect, it } from 'vitest';
import { RunStateError, createCodec } from '../../src/index.js';
import { roundTrip } from '../../src/testing/index.js';

describe('roundTrip()', () => {
  it('returns a new, equal value for a storable state', () => {
    const state = {
      seen: new Set([1, 2]),
      by: new Map([['a', { at: new Date(5), n: 10n }]]),
      bytes: Uint8Array.of(1, 2),
    };
    const back = roundTrip(state);
    expect(back).toEqual(state);
    expect(back).not.toBe(state);
    expect(back.seen).not.toBe(state.seen);
  });

  it('shows what the codec changes (-0 becomes 0)', () => {
    expect(Object.is(roundTrip(-0), 0)).toBe(true);
  });

  it('throws E_UNSTORABLE naming the path of an unstorable value', () => {
    let error: unknown;
    try {
      roundTrip({ items: [{ onChange() {} }] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RunStateError);
    expect(error).toMatchObject({ code: 'E_UNSTORABLE' });
    expect((error as RunStateError).details.path).toBe('items[0].onChange');
  });

  it('names the entity when given', () => {
    expect(() => roundTrip({ f: Symbol('x') }, { entityId: 'orders' })).toThrow(
      /entity "orders" at orders → f/,
    );
  });

  it('uses the given codec', () => {
    const codec = createCodec();
    expect(roundTrip([1, 'a'], { codec })).toEqual([1, 'a']);
  });

  it.each([
    [{ codec: {} }, TypeError, /options\.codec/],
    [5, TypeError, /options must be an object/],
    [{ entityId: '' }, RangeError, /entityId/],
  ])('refuses options %j, naming them', (options, type, message) => {
    expect(() => roundTrip(1, options as never)).toThrow(type);
    expect(() => roundTrip(1, options as never)).toThrow(message);
  });

  // Found by the fuzz soak (soak/fuzz-targets.ts): codec: null was taken for
  // the default codec instead of refused.
  it('refuses codec: null, naming the option', () => {
    expect(() => roundTrip(1, { codec: null as never })).toThrow(
      /^options\.codec must be a Codec, got null/,
    );
  });
});
