/**
 * The `runstate` bin's entry point: runs the command with the process's
 * arguments and sets the exit code.
 *
 * @packageDocumentation
 */
import { runCli } from './program.js';

// A reader that stops early (`runstate export … | head`) closes the pipe:
// stop quietly, as command-line tools do, not with an EPIPE stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(0);
});

process.exitCode = await runCli(process.argv.slice(2));
