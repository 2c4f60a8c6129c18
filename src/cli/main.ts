/**
 * The `runstate` bin's entry point: runs the command with the process's
 * arguments and sets the exit code.
 *
 * @packageDocumentation
 */
import { runCli } from './program.js';

process.exitCode = await runCli(process.argv.slice(2));
