// Type-checked only: a CommonJS TypeScript file (`module: nodenext`,
// TypeScript >= 5.8) may `require` the package and gets its types.
import runstate = require('runstate');
import sqlite = require('runstate/sqlite');

export const open: typeof sqlite.SqliteStorage.open = sqlite.SqliteStorage.open;
export const store: typeof runstate.createStateStore =
  runstate.createStateStore;
