/**
 * Fuzz targets of export and import, tagged JSON and runstate/cli, on the
 * memory storage of `fuzz-tool-targets.ts`.
 */
import fc from 'fast-check';
import {
  MemoryStorage,
  decodeTagged,
  encodeTagged,
  exportSavepoint,
  importSavepoint,
} from 'runstate';
import {
  EXIT_USAGE,
  openStorageUrl,
  parseStorageUrl,
  runCli,
} from 'runstate/cli';
import {
  badBoolean,
  badId,
  badObject,
  badTimestamp,
  unstorable,
} from './fuzz-arbitraries.js';
import { loose, options, type FuzzTarget } from './fuzz-target.js';
import {
  RUN,
  args,
  badCodec,
  badStorage,
  optionTargets,
  storage,
} from './fuzz-tool-targets.js';

let lines: Promise<string[]> | undefined;
/** The export file of the tool storage's run, as lines. */
function exportFile(): Promise<string[]> {
  lines ??= (async () => {
    const out: string[] = [];
    for await (const line of exportSavepoint(await storage(), RUN))
      out.push(line);
    return out;
  })();
  return lines;
}

/** JSON that is no tagged value, or no JSON at all. */
const badTagged = fc.oneof(
  fc.record({
    $: fc
      .string()
      .filter(
        (t) =>
          !/^(object|undefined|number|bigint|Map|Set|Date|RegExp|Buffer|ref|.*Array)$/.test(
            t,
          ),
      ),
  }),
  fc.constant({ $: 'bigint', value: '12x' }),
  fc.constant({ $: 'Date', value: 5 }),
  fc.constant({ $: 'Buffer', base64: '!!' }),
  fc.constant({ $: 'number', value: 'nope' }),
  fc.constant({ $: 'Map', entries: [[1]] }),
  fc.constantFrom(Number.NaN, Infinity, 1n, Symbol('t'), () => 1),
  fc.constant(new Map()),
);

const drain = async (lines: unknown) => {
  for await (const _ of lines as AsyncIterable<string>);
};

function exportTargets(): FuzzTarget[] {
  const exported = (...a: unknown[]) => drain(loose(exportSavepoint)(...a));
  return [
    ...args(
      'exportSavepoint',
      exported,
      [
        ['storage', badStorage],
        ['runId', badId],
      ],
      () => [RUN],
    ),
    ...optionTargets('exportSavepoint', exported, () => [RUN], {
      at: badTimestamp,
      codec: badCodec,
    }),
    ...args(
      'importSavepoint',
      importSavepoint,
      [
        ['storage', badStorage],
        ['source', badObject],
      ],
      () => [[]],
    ),
    // A valid file into an empty storage: a missing option check would
    // show as an accepted value, not be hidden by another error.
    ...options(
      'importSavepoint',
      () => ({}),
      { runId: badId, codec: badCodec },
      async (o) =>
        loose(importSavepoint)(new MemoryStorage(), await exportFile(), o),
    ),
    {
      name: 'encodeTagged(value)',
      arb: unstorable,
      call: (v) => encodeTagged(v),
    },
    {
      name: 'decodeTagged(json)',
      arb: badTagged,
      call: (v) => decodeTagged(v),
    },
    {
      name: 'decodeTagged(path)',
      arb: badObject.filter((v) => typeof v !== 'string'),
      call: (v) => loose(decodeTagged)(1, v),
    },
  ];
}

/** A sink for runCli's output. */
const sink = { write: () => true };

function cliTargets(): FuzzTarget[] {
  const badUrl = fc.oneof(
    badObject.filter((v) => typeof v !== 'string'),
    fc.constantFrom('', 'nope://x', 'sqlite:', 'file:'),
  );
  return [
    {
      name: 'parseStorageUrl(url)',
      arb: badUrl,
      call: (v) => loose(parseStorageUrl)(v),
    },
    {
      name: 'openStorageUrl(url)',
      arb: badUrl,
      call: (v) => loose(openStorageUrl)(v),
    },
    ...options(
      'openStorageUrl',
      () => ({}),
      { readOnly: badBoolean },
      async (o) => {
        const opened = (await loose(openStorageUrl)('sqlite::memory:', o)) as {
          close(): Promise<void>;
        };
        await opened.close();
      },
    ),
    {
      // runCli never throws: a usage error is its exit code EXIT_USAGE.
      name: 'runCli(args)',
      arb: fc.oneof(
        badObject,
        fc.array(
          badId.filter((v) => typeof v !== 'string'),
          { minLength: 1, maxLength: 3 },
        ),
        fc.constant(['no-such-command']),
      ),
      call: async (v) => {
        const io = { stdout: sink, stderr: sink, env: {} };
        const code = await loose(runCli)(v, io);
        if (code === EXIT_USAGE)
          throw new TypeError(`runCli: usage error for ${fc.stringify(v)}`);
        return code;
      },
    },
  ];
}

/** The export, import, tagged JSON and CLI targets. */
export const exportCliTargets = (): FuzzTarget[] => [
  ...exportTargets(),
  ...cliTargets(),
];
