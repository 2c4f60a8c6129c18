#!/usr/bin/env node
// The `runstate` bin. An installed package runs the built dist/cli/main.js.
// A checkout of the repository (src/ present, tsx installed) runs the
// TypeScript source through tsx, so `npx runstate` never runs a stale build.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
const built = new URL('../dist/cli/main.js', import.meta.url);

/** tsx's register API, or undefined when tsx is not installed. */
async function loadTsx() {
  try {
    return await import('tsx/esm/api');
  } catch {
    return undefined;
  }
}

const tsx = existsSync(source) ? await loadTsx() : undefined;
if (tsx !== undefined) {
  tsx.register();
  await import(source.href);
} else if (existsSync(built)) {
  await import(built.href);
} else {
  process.stderr.write(
    'runstate: error: neither dist/cli/main.js nor tsx with src/ found; run `npm run build`\n',
  );
  process.exitCode = 1;
}
