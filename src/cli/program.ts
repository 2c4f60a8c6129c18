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
import {
  EXIT_OK,
  EXIT_USAGE,
  UsageError,
  reportError,
  type CliIo,
} from './io.js';

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

/**
 * Where commander writes: help and version to stdout, its parse errors
 * (unknown command or option, missing argument) kept in `errors` instead,
 * so that {@link runCli} reports them like every other error.
 */
function outputOf(ctx: CommandContext, errors: string[]) {
  return {
    writeOut: (text: string) => ctx.io.stdout.write(text),
    writeErr: (text: string) => ctx.io.stderr.write(text),
    outputError: (text: string) => void errors.push(text),
  };
}

/** `io` with the process's streams and environment where it gives none. */
function withDefaults(io: Partial<CliIo> | undefined): CliIo {
  return {
    stdout: io?.stdout ?? process.stdout,
    stderr: io?.stderr ?? process.stderr,
    env: io?.env ?? process.env,
    ...(io?.signal === undefined ? {} : { signal: io.signal }),
  };
}

/** Commander's message without its `error: ` prefix, on one line. */
function usageMessage(text: string): string {
  return text
    .trim()
    .replace(/^error: /, '')
    .replace(/\s*\n\s*/g, ' ');
}

/** Build the program; `ctx` receives the streams and the exit code. */
function buildProgram(ctx: CommandContext, errors: string[]): Command {
  const program = new Command('runstate')
    .description(
      'Inspect, verify, export, import, copy, migrate and serve the state runstate stores.',
    )
    .version(VERSION)
    .exitOverride()
    .configureOutput(outputOf(ctx, errors))
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
    command.exitOverride().configureOutput(outputOf(ctx, errors));
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
 * @defaultValue each field of io left out: `process.stdout`, `process.stderr`, `process.env`
 * @returns the exit code
 */
export async function runCli(
  args: readonly string[],
  io?: Partial<CliIo>,
): Promise<number> {
  const full = withDefaults(io);
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) {
    // Never throws: a bad argument list is a usage error like a bad word.
    const what = Array.isArray(args) ? 'array with a non-string' : show(args);
    const error = new TypeError(`args must be a list of strings, got ${what}`);
    return reportError(full, error, false);
  }
  const ctx: CommandContext = { io: full, exitCode: EXIT_OK };
  const errors: string[] = [];
  const program = buildProgram(ctx, errors);
  const json = args.includes('--json');
  try {
    await program.parseAsync([...args], { from: 'user' });
    return ctx.exitCode;
  } catch (error) {
    if (!(error instanceof CommanderError)) {
      return reportError(ctx.io, error, json);
    }
    // A parse error is reported as every error is (`runstate: error
    // E_USAGE: …`, or JSON with --json); help and version are successes,
    // and help shown for a missing command is a usage error.
    if (errors.length > 0) {
      return reportError(
        ctx.io,
        new UsageError(usageMessage(errors.join(''))),
        json,
      );
    }
    return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  }
}
