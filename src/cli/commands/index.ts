/**
 * The subcommands of `runstate`, one function each that adds itself to the
 * program.
 *
 * @packageDocumentation
 */
export type { CommandContext } from './context.js';
export {
  runsCommand,
  savepointsCommand,
  showCommand,
} from './read-commands.js';
export { diffCommand, verifyCommand } from './check-commands.js';
export {
  exportCommand,
  importCommand,
  copyCommand,
} from './transfer-commands.js';
export {
  pruneCommand,
  deleteCommand,
  quarantineCommand,
} from './maintain-commands.js';
export { serveCommand } from './serve-command.js';
export { migrateCommand } from './migrate-commands.js';
