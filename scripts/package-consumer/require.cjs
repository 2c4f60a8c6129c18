// A CommonJS consumer of the packed package (run by
// `scripts/check-package.ts`): every public subpath but runstate/testing
// loads with `require()` (Node's require(esm), Node >= 20.19 / >= 22.12)
// and is the same module that `import()` gives. runstate/testing uses
// top-level await (it loads vitest only inside a vitest worker), which
// require(esm) refuses: it must say so, with ERR_REQUIRE_ASYNC_MODULE.
'use strict';
const assert = require('node:assert/strict');
const { exports: map } = require('runstate/package.json');

async function main() {
  const names = Object.keys(map)
    .filter((key) => key !== './package.json')
    .map((key) => (key === '.' ? 'runstate' : `runstate/${key.slice(2)}`));
  for (const name of names) {
    if (name === 'runstate/testing') {
      assert.throws(() => require(name), { code: 'ERR_REQUIRE_ASYNC_MODULE' });
      assert.equal(typeof (await import(name)).faultyStorage, 'function');
      continue;
    }
    const required = require(name);
    const imported = await import(name);
    assert.equal(required, imported, `${name}: require() and import() differ`);
  }
  const {
    createStateStore,
    resumeOrStart,
    MemoryStorage,
  } = require('runstate');
  const { SqliteStorage } = require('runstate/sqlite');
  const storage = await SqliteStorage.open({ path: ':memory:' });
  const store = createStateStore({ runId: 'cjs', schedule: 10, storage });
  const { entities } = await resumeOrStart(store, {
    startFrom: 0,
    entities: [['n', 0]],
  });
  entities[0].updateState(5, 1).ackProcessedTime(10);
  await store.flush();
  assert.deepEqual(await storage.listSavepoints('cjs'), [10]);
  await store.close();
  await storage.close();
  assert.equal(typeof MemoryStorage.open, 'function');
  console.log(`CommonJS: require() of ${names.length} subpaths`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
