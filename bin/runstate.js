#!/usr/bin/env node
// The `runstate` bin. An installed package runs the built dist/cli/main.js;
// a checkout of the repository (src/ present) runs the TypeScript source
// through tsx, so `npx runstate` never runs a stale build.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import(new URL('../dist/cli/main.js', import.meta.url).href);
}
