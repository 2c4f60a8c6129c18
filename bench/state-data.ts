/**
 * The entity states the persistence benchmarks save and load: realistic
 * objects of about 1 KB once encoded (strings, integers and floats, booleans,
 * small arrays, a nested object and a list of small records). Every run
 * builds new states that include the run number, so no run writes the same
 * bytes as the one before it.
 */

/** The id of entity `i` (zero-padded, so ids sort like their numbers). */
export function entityId(i: number): string {
  return `entity-${String(i).padStart(6, '0')}`;
}

const CITIES = ['Amsterdam', 'Utrecht', 'Rotterdam', 'Eindhoven', 'Groningen'];
const STATUSES = ['open', 'paid', 'shipped', 'delivered', 'returned'];
const NOTE =
  'Customer prefers delivery in the morning; leave parcels with the ' +
  'neighbours at number 12 when nobody answers. Invoices go to the ' +
  'accounts department, attention of the finance team, reference on every ' +
  'page. Contact by e-mail first, phone only for urgent matters. ';

/** A small order record of entity `i`, run `run`. */
function order(i: number, run: number, k: number): Record<string, unknown> {
  return {
    orderId: `ord-${run}-${i}-${k}`,
    amount: Math.round((i * 7.31 + k * 3.17 + run) * 100) / 100,
    items: (i + k + run) % 9,
    status: STATUSES[(i + k + run) % STATUSES.length],
    express: (i + k) % 3 === 0,
  };
}

/** The state of entity `i` in run `run` (about 1 KB of msgpack). */
export function makeState(i: number, run: number): Record<string, unknown> {
  return {
    id: entityId(i),
    name: `Customer ${i} (run ${run})`,
    email: `customer${i}.run${run}@example.com`,
    phone: `+31 20 ${String(1_000_000 + ((i * 7919 + run) % 9_000_000))}`,
    run,
    seq: i,
    balance: Math.round((i * 1.37 + run * 0.5) * 100) / 100,
    active: (i + run) % 2 === 0,
    updatedAt: 1_700_000_000_000 + run * 60_000 + i,
    tags: ['retail', `segment-${i % 7}`, `region-${(i + run) % 11}`],
    scores: Array.from({ length: 12 }, (_, k) => ((i + k * run) % 1000) / 10),
    address: {
      street: `Keizersgracht ${(i % 800) + 1}`,
      city: CITIES[i % CITIES.length],
      zip: `${1000 + (i % 9000)} AB`,
      country: 'NL',
      geo: { lat: 52.37 + (i % 100) / 1000, lon: 4.89 + (run % 100) / 1000 },
    },
    preferences: {
      language: i % 4 === 0 ? 'en' : 'nl',
      currency: 'EUR',
      newsletter: (i + run) % 5 !== 0,
      channels: ['email', 'sms', 'push'].slice(0, (i % 3) + 1),
    },
    orders: Array.from({ length: 5 }, (_, k) => order(i, run, k)),
    notes: `${NOTE}Run ${run}, entity ${i}.`,
  };
}

/** The states of entities 0…n-1 in run `run`. */
export function makeStates(n: number, run: number): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => makeState(i, run));
}
