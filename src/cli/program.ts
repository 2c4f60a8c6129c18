/**
 * The `runstate` command: the program with its subcommands, and
 * {@link runCli}, which runs it and returns the exit code.
 *
 * @packageDocumentation
 */
import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import {
  copyCommand,
  deleteCommand,
  diffCommand,
  exportCommand,
  importCommand,
  migrateCommand,
  pruneCommand,
  quarantineCommand,
  runsCommand,
  savepointsCommand,
  serveCommand,
  showCommand,
  verifyCommand,
  type CommandContext,
} from './commands/index.js';
import { show } from '../validate.js';
import { EXIT_OK, EXIT_USAGE, reportError, type CliIo } from './io.js';

/** The package's version (`package.json` is two levels up in src/ and dist/). */
const VERSION = (
  createRequire(import.meta.url)('../../package.json') as { version: string }
).version;

const FOOTER = `
Storage URLs:
  sqlite:PATH, or a path ending in .sqlite/.db     SQLite file
  file:DIR[?compression=gzip|deflate|brotli|none]  file storage directory
  postgres://USER@HOST/DB[?schema=NAME]            Postgres (schema default: public)
  redis://HOST:PORT[/DB][?prefix=PREFIX]           Redis (prefix default: runstate:)

Output: data on stdout, messages and progress on stderr; --json on every
command prints one JSON document. Colour only on a terminal without NO_COLOR.

Exit codes: 0 ok, 1 a check failed or the command could not do its work,
2 bad usage (unknown command or option, bad URL, bad value).

Examples:
  $ runstate runs state.sqlite
  $ runstate show state.sqlite orders --entity totals
  $ runstate verify state.sqlite --all
  $ runstate serve state.sqlite`;

/** Build the program; `ctx` receives the streams and the exit code. */
function buildProgram(ctx: CommandContext): Command {
  const program = new Command('runstate')
    .description(
      'Inspect, verify, export, import, copy, migrate and serve the state runstate stores.',
    )
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({
      writeOut: (text) => ctx.io.stdout.write(text),
      writeErr: (text) => ctx.io.stderr.write(text),
    })
    .addHelpText('after', FOOTER);
  for (const add of [
    runsCommand,
    savepointsCommand,
    showCommand,
    diffCommand,
    verifyCommand,
    exportCommand,
    importCommand,
    copyCommand,
    migrateCommand,
    pruneCommand,
    deleteCommand,
    quarantineCommand,
    serveCommand,
  ]) {
    add(program, ctx);
  }
  for (const command of program.commands) {
    command.exitOverride().configureOutput({
      writeOut: (text) => ctx.io.stdout.write(text),
      writeErr: (text) => ctx.io.stderr.write(text),
    });
  }
  return program;
}

/**
 * Run the `runstate` command with the given arguments.
 *
 * @remarks
 * Never exits the process and never throws: it reports errors on stderr
 * and returns the exit code (0 ok, 1 a check failed or the work could not
 * be done, 2 bad usage). The `runstate` bin calls it with
 * `process.argv.slice(2)`.
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(['verify', 'state.sqlite', '--all']);
 * ```
 * @param args - the arguments after the command name
 * @param io - the streams and environment
 * @defaultValue io `process.stdout`, `process.stderr`, `process.env`
 * @returns the exit code
 */
export async function runCli(
  args: readonly string[],
  io: CliIo = {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
  },
): Promise<number> {
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) {
    // Never throws: a bad argument list is a usage error like a bad word.
    const what = Array.isArray(args) ? 'array with a non-string' : show(args);
    const error = new TypeError(`args must be a list of strings, got ${what}`);
    return reportError(io, error, false);
  }
  const ctx: CommandContext = { io, exitCode: EXIT_OK };
  const program = buildProgram(ctx);
  try {
    await program.parseAsync([...args], { from: 'user' });
    return ctx.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version "errors" are successes; the rest are usage errors.
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    return reportError(io, error, args.includes('--json'));
  }
}
