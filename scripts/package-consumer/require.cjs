// A CommonJS consumer of the packed package (run by
// `scripts/check-package.ts`): every public subpath loads with `require()`
// (Node's require(esm), Node >= 20.19 / >= 22.12) and is the same module
// that `import()` gives.
'use strict';
const assert = require('node:assert/strict');
const { exports: map } = require('runstate/package.json');

async function main() {
  const names = Object.keys(map)
    .filter((key) => key !== './package.json')
    .map((key) => (key === '.' ? 'runstate' : `runstate/${key.slice(2)}`));
  for (const name of names) {
    const required = require(name);
    const imported = await import(name);
    assert.deepEqual(Object.keys(required), Object.keys(imported), name);
  }
  const { createStateStore, MemoryStorage } = require('runstate');
  const { SqliteStorage } = require('runstate/sqlite');
  assert.equal(typeof createStateStore, 'function');
  assert.equal(typeof MemoryStorage.open, 'function');
  assert.equal(typeof SqliteStorage.open, 'function');
  console.log(`CommonJS: require() of ${names.length} subpaths`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
