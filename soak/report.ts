/**
 * docs/reliability.md from the results `soak/run.ts` saved: every figure
 * comes from a result file; a part without one is said not to have run.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ConnectionResult } from './connections.js';
import type { DiskFullResult } from './disk-full.js';
import type { FuzzResult } from './fuzz.js';
import type { LongRunResult } from './long-run.js';
import type { machine } from './machine.js';
import type { SigkillResult } from './sigkill.js';

interface Saved<F> {
  readonly part: string;
  readonly began: string;
  readonly seconds: number;
  /** 1/5/15-minute load averages when the part began (older results lack it). */
  readonly loadAtStart?: readonly number[];
  readonly machine: ReturnType<typeof machine>;
  readonly figures: F;
}

const n = (value: number) => value.toLocaleString('en-US');

function load<F>(results: URL, part: string): Saved<F> | undefined {
  const file = new URL(`${part}.json`, results);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as Saved<F>;
}

const ran = (s: Saved<unknown>) =>
  `Run ${s.began.slice(0, 16).replace('T', ' ')} UTC, ${n(Math.round(s.seconds))} s; load average (1/5/15 min) ${s.loadAtStart === undefined ? '' : `${s.loadAtStart.join(' / ')} at the start, `}${s.machine.loadAverage.join(' / ')} at the end.`;

const notRun = (command: string) =>
  `**Not run** on this machine yet: no figures. Run \`npm run soak ${command}\`.`;

function sigkillSection(s: Saved<SigkillResult> | undefined): string[] {
  const head = ['## SIGKILL during savepoint writes', ''];
  if (s === undefined) return [...head, notRun('sigkill')];
  const f = s.figures;
  const total = f.backends.reduce((sum, b) => sum + b.kills, 0);
  const mid = f.backends.reduce((sum, b) => sum + b.midWrite, 0);
  return [
    ...head,
    `A child process persisting savepoints (50–200 self-verifying entities) is SIGKILLed at a random instant 0–150 ms after it is ready, over and over on the same target, then restarted (\`test/storage/crash/\`, the four backends at once, in chunks of 25 kills per backend, each on a fresh target with its own seed); after every kill a fresh read-only storage must find only complete, consistent, decodable savepoints, never fewer than the child saw committed and never going backwards. "During a write" counts kills that landed between the child's \`begin\` and \`end\` of a savepoint write. ${ran(s)}`,
    '',
    `**${n(total)} SIGKILLs, ${n(mid)} of them during a write; ${f.passed ? '0 partial, inconsistent or backwards savepoints' : 'FAILED: see below'}.${total < 1000 ? ' Short of the 1 000 kills aimed at: the time given to the part ran out.' : ''}**`,
    '',
    '| backend | kills | during a write | of those rolled back | already committed | savepoints committed | seeds |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...f.backends.map(
      (b) =>
        `| ${b.backend} | ${n(b.kills)} | ${n(b.midWrite)} | ${n(b.rolledBack)} | ${n(b.alreadyCommitted)} | ${n(b.committed)} | ${(b.seeds ?? [b.seed]).join(', ')} |`,
    ),
    ...(f.skipped.length > 0 ? ['', `Skipped: ${f.skipped.join('; ')}`] : []),
    ...(f.passed
      ? []
      : ['', 'Failures:', '', ...f.failures.map((l) => `- ${l}`)]),
  ];
}

function fuzzSection(s: Saved<FuzzResult> | undefined): string[] {
  const head = ['## Invalid inputs (fast-check)', ''];
  if (s === undefined) return [...head, notRun('fuzz')];
  const f = s.figures;
  const accepted = Object.entries(f.accepted);
  const acceptedCount = accepted.reduce((sum, [, c]) => sum + c, 0);
  return [
    ...head,
    `Generated invalid values (seed ${f.seed}) put, one at a time, into each parameter and option of every public function (${f.targets} places, \`soak/fuzz-*targets.ts\`), over ${f.backends.join(', ')}. A call must end within 5 s in a \`RunStateError\` or a \`TypeError\`/\`RangeError\` of runstate's own (an engine error such as "Cannot read properties of undefined" counts as a crash), and every storage must still write and read afterwards. ${ran(s)}`,
    '',
    `**${n(f.inputs)} invalid inputs: ${n(f.typed)} typed errors, ${f.crashes.length} crashes, ${f.hangs.length} hangs, ${f.unusable.length} storages unusable afterwards; ${n(acceptedCount)} accepted.**`,
    '',
    ...(f.crashes.length > 0
      ? [
          'Crashes:',
          '',
          ...f.crashes.slice(0, 20).map((c) => `- \`${c.slice(0, 300)}\``),
          '',
        ]
      : []),
    ...(f.hangs.length > 0
      ? [
          'Hangs:',
          '',
          ...f.hangs.slice(0, 20).map((c) => `- \`${c.slice(0, 300)}\``),
          '',
        ]
      : []),
    ...(accepted.length > 0
      ? [
          'Accepted (no error) — each is a finding, listed with examples:',
          '',
          '| place | accepted | examples | reading |',
          '| --- | --- | --- | --- |',
          ...accepted.map(([place, count]) => {
            const examples = f.acceptedExamples[place] ?? [];
            const reading = examples.every((e) => e === 'null')
              ? '`null` taken as "not given" (the default)'
              : 'not validated';
            return `| \`${place}\` | ${count} | ${examples.map((e) => `\`${e.slice(0, 40).replace(/\|/g, '\\|')}\``).join(', ')} | ${reading} |`;
          }),
        ]
      : []),
  ];
}

function connectionRows(results: readonly ConnectionResult[]): string[] {
  return [
    '| target | disruptions | connections killed | writes | failed (all typed `E_STORAGE`) | untyped | longest recovery | recovered | problems |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...results.map(
      (r) =>
        `| ${r.target} | ${n(r.disruptions)} | ${n(r.connectionsKilled)} | ${n(r.writes)} | ${n(r.failed)} | ${r.untyped.length} | ${n(r.maxRecoveryMs)} ms | ${r.recovered ? 'yes' : '**no**'} | ${r.problems.length === 0 ? 'none' : r.problems.join('; ')} |`,
    ),
  ];
}

function connectionsSection(
  kills: Saved<ConnectionResult[]> | undefined,
  restarts: Saved<ConnectionResult[]> | undefined,
): string[] {
  const out = [
    '## Lost connections and server restarts',
    '',
    'One storage instance writes savepoints (20 entities × 1 KiB, keep 3) in a loop while its connections are broken from the server side; failed writes must be typed, the same instance (no process restart) must write again, and a fresh instance must then find every savepoint complete and nothing acknowledged missing (`soak/connections.ts`).',
    '',
  ];
  out.push('### Connections killed on the shared servers', '');
  if (kills === undefined) out.push(notRun('connections'));
  else out.push(ran(kills), '', ...connectionRows(kills.figures));
  out.push(
    '',
    '### Server restarts',
    '',
    'Restarts use private servers started for the purpose (a Redis on a free port and its own directory, with AOF and `appendfsync always`; a Postgres cluster of its own created with `pg_createcluster` on a free port and dropped afterwards), never the shared ones other processes use.',
    '',
  );
  if (restarts === undefined) out.push(notRun('restarts'));
  else out.push(ran(restarts), '', ...connectionRows(restarts.figures));
  return out;
}

function diskSection(s: Saved<DiskFullResult[]> | undefined): string[] {
  const head = ['## Disk full', ''];
  if (s === undefined) return [...head, notRun('disk-full')];
  return [
    ...head,
    `SQLite and file storage on an 8 MiB tmpfs: each cycle writes savepoints, fills the disk with a filler file and writes a savepoint bigger than every file there (at least 1 MiB, so it cannot fit in space SQLite reuses); the write must fail with \`E_STORAGE\` whose cause carries the OS's code, the older savepoints must read back byte for byte (from the same and from a new instance), and once the filler is removed the same instance must write again (\`soak/disk-full.ts\`). ${ran(s)}`,
    '',
    '| backend | cycles | refused | cause codes | untyped | older savepoints damaged | writes resumed |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...s.figures.map(
      (r) =>
        `| ${r.backend} | ${r.cycles} | ${r.refused} | ${Object.entries(
          r.causes,
        )
          .map(([c, k]) => `${c} × ${k}`)
          .join(', ')} | ${r.untyped.length} | ${r.damaged} | ${r.resumed} |`,
    ),
  ];
}

function longSection(s: Saved<LongRunResult> | undefined): string[] {
  const head = ['## A long run with failures', ''];
  if (s === undefined) return [...head, notRun('long-run')];
  const f = s.figures;
  const short =
    f.messages < 10_000_000
      ? [
          `**Not reached: the 10 million message run (\`npm run soak long-run\`) did not complete in the time this machine had; these figures are of ${n(f.messages)} messages (\`long-run-1m\`).**`,
          '',
        ]
      : [];
  return [
    ...head,
    ...short,
    `A supervised run of the crash model (two reducers and an xstate machine) over ${n(f.messages)} messages on a SQLite file wrapped in \`faultyStorage\`: entities throw at seeded random messages (each once), storage calls fail or commit-then-fail at random; the run restarts itself each time. Final states and deduplicated outputs are compared with a plain fold of the same messages (\`soak/long-run.ts\`, seed ${f.seed}). ${ran(s)}`,
    '',
    `**${n(f.messages)} messages (${n(f.handled)} handled with replays), ${n(f.entityFailures)} entity failures, ${n(f.storageFaults)} failed and ${n(f.commitThenFail)} commit-then-fail storage calls, ${n(f.restarts)} restarts: final states ${f.statesEqual ? 'equal' : '**DIFFERENT**'}, ${n(f.outputs)} outputs ${f.outputsEqual ? 'equal' : '**DIFFERENT**'} (${n(f.duplicates)} replayed duplicates removed).**`,
  ];
}

/** What earlier soak runs found, fixed before the runs reported here. */
const FINDINGS = [
  '## Found by the soak, fixed before these figures',
  '',
  '- Fuzz: options given as `null` were taken as "not given" (`keep`, `maxOpenSavepoints`, `codec`, `logger`, `onError`, `onPersisted`, `lateness`); `SqliteStorage`/`PostgresStorage`/`RedisStorage` and `startRun` did not check `logger`; `saveToRunState` did not check its timestamp (`-Infinity`, objects); `resumeOrStart` checked `update` only when resuming; `MemoryStorage` did not check `readOnly`. All are now `TypeError`/`RangeError` naming the option ([api.md](api.md#argument-errors)).',
  '- Fuzz, second round (targets for every remaining export: `startWorker`, `watchSavepoints`, `createAdminServer`, `otelMetrics`, leases, quarantine, `replaceSavepoint`, `subscribeSavepoints`, migrations, inspect, export/import, tagged JSON, `runstate/cli`, `checkPinnedSavepoints`, `decorateStorage`, `BaseStorage`, the entity methods): the inspect and export functions, `loadNewestSavepoint` and `checkPinnedSavepoints` did not check their storage or options (engine errors such as "storage.listRuns is not a function"; a missing pinned path was a bare `ENOENT` error, now `E_STORAGE`); `runCli`, which never throws, threw for arguments that are not a list of strings; `startWorker` and `watchSavepoints` did not check `logger` (nor `watchSavepoints` its storage); `subscribeSavepoints` took any value as its subscriber; `adminServer.listen(true)` bound the default port; `migrateRun`/`migrateRuns`/`checkMigrations` did not check `codec`/`logger`; `codec: null` (admin server, `loadNewestSavepoint`, `roundTrip`), `logger: null` (`loadNewestSavepoint`), `lease: null` (`createStateStore`, `startRun`), `prefix: null` (Redis) and `readOnly: null` (`openStorageUrl`, which then opened writable) were taken as "not given"; `decodeTagged` took a `Map` for an empty object. All are now `TypeError`/`RangeError` naming the argument (or `E_INVALID_IMPORT`/`E_STORAGE`).',
  "- Lost connections: a Postgres connection terminated by the server (`pg_terminate_backend`) just as pg-pool handed the client out raised an unhandled `error` event that crashed the process. Every client of the storage's own pool now has an `error` listener ([storage-postgres.md](storage-postgres.md#who-owns-the-pool)).",
];

function machineSection(all: (Saved<unknown> | undefined)[]): string[] {
  const first = all.find((s) => s !== undefined);
  if (first === undefined) return ['No part has run yet.'];
  const m = first.machine;
  return [
    '## Machine',
    '',
    `- CPU: ${m.cpu}; memory ${m.memoryGiB} GiB; ${m.os}`,
    `- Node ${m.node}; ${m.postgres}; ${m.redis}`,
    '- Shared with other work while measured (other test suites ran on the same 2 cores; the soak ran under `nice`): the load averages are noted with each part, and durations are wall-clock times on that busy machine, not speeds.',
  ];
}

/** Write docs/reliability.md from the results in `results`. */
export function writeReport(results: URL): void {
  const sigkill = load<SigkillResult>(results, 'sigkill');
  const fuzz = load<FuzzResult>(results, 'fuzz');
  const kills = load<ConnectionResult[]>(results, 'connections');
  const restarts = load<ConnectionResult[]>(results, 'restarts');
  const disk = load<DiskFullResult[]>(results, 'disk-full');
  const long =
    load<LongRunResult>(results, 'long-run') ??
    load<LongRunResult>(results, 'long-run-1m');
  const lines = [
    '# Reliability',
    '',
    'Figures measured by `npm run soak` (`soak/run.ts`, not part of `npm test`). Every figure below comes from a result file in `soak/results/` (this page is written from them by `npm run soak -- --report`); a part without one says so. The long run uses `faultyStorage` of `runstate/testing` ([testing.md](testing.md)); the SIGKILL part uses the storage-level kill harness of our own suite (`test/storage/crash/`), which checks every savepoint after every kill, where `crashTest` compares a whole processor with an uninterrupted run. A short version of each part (seconds) runs in `npm test`: `test/soak/soak-short.test.ts` and, for SIGKILL, `test/storage/crash/`.',
    '',
    ...machineSection([sigkill, fuzz, kills, restarts, disk, long]),
    '',
    ...FINDINGS,
    '',
    ...sigkillSection(sigkill),
    '',
    ...fuzzSection(fuzz),
    '',
    ...connectionsSection(kills, restarts),
    '',
    ...diskSection(disk),
    '',
    ...longSection(long),
    '',
  ];
  const path = fileURLToPath(
    new URL('../docs/reliability.md', import.meta.url),
  );
  writeFileSync(path, lines.join('\n'));
  execFileSync('npx', ['prettier', '--write', path, fileURLToPath(results)], {
    stdio: 'ignore',
  });
}
