/**
 * `npm run soak [part…]`: the reliability soak (not part of `npm test`).
 * Runs the parts named (all by default), saves each part's figures to
 * `soak/results/<part>.json` with the machine they ran on, and writes
 * `docs/reliability.md` from every result saved so far. Each part has a
 * short version in `test/soak/` that runs in `npm test`.
 *
 * Parts: sigkill, fuzz, connections, restarts, disk-full, long-run.
 * `npm run soak -- --report` only rewrites `docs/reliability.md` from the
 * saved results.
 * Needs RUNSTATE_PG_URL and RUNSTATE_REDIS_URL (Postgres and Redis parts),
 * root (disk-full mounts a tmpfs; restarts creates private servers).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { machine } from './machine.js';
import { PARTS, type PartName } from './parts.js';
import { writeReport } from './report.js';

const RESULTS = new URL('./results/', import.meta.url);

async function main(): Promise<void> {
  if (process.argv[2] === '--report') {
    writeReport(RESULTS); // from the saved results only, running nothing
    return;
  }
  const asked = process.argv.slice(2) as PartName[];
  const unknown = asked.filter((name) => !(name in PARTS));
  if (unknown.length > 0) {
    throw new Error(
      `unknown part ${unknown.join(', ')}; parts: ${Object.keys(PARTS).join(', ')}`,
    );
  }
  mkdirSync(RESULTS, { recursive: true });
  for (const name of asked.length > 0
    ? asked
    : (Object.keys(PARTS) as PartName[])) {
    process.stderr.write(`soak: ${name}…\n`);
    const began = new Date();
    const loadAtStart = machine().loadAverage;
    const figures = await PARTS[name]();
    const saved = {
      part: name,
      began: began.toISOString(),
      seconds: (Date.now() - began.getTime()) / 1000,
      loadAtStart,
      machine: machine(),
      figures,
    };
    writeFileSync(
      new URL(`${name}.json`, RESULTS),
      `${JSON.stringify(saved, null, 2)}\n`,
    );
    process.stderr.write(
      `soak: ${name} done in ${saved.seconds.toFixed(0)} s\n`,
    );
  }
  writeReport(RESULTS);
}

await main();
