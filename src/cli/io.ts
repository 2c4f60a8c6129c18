/**
 * Where the command writes: data to stdout, messages to stderr, colour only
 * on a terminal without `NO_COLOR`, and the exit codes.
 *
 * @packageDocumentation
 */
import { RunStateError, ensureError } from '../errors.js';

/** Exit code: everything worked. */
export const EXIT_OK = 0;
/** Exit code: a check failed, or the command could not do its work. */
export const EXIT_FAILED = 1;
/** Exit code: the command line is wrong (unknown option, bad URL…). */
export const EXIT_USAGE = 2;

/** A writable text stream: stdout, stderr, or a file. */
export type TextSink = NodeJS.WritableStream & { readonly isTTY?: boolean };

/** The streams and environment the command runs with. */
export interface CliIo {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * Stops a command that runs until stopped (`serve`).
   * @defaultValue the process's first SIGINT or SIGTERM
   */
  readonly signal?: AbortSignal;
}

/** A command-line mistake the user must fix (exit 2). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Whether to colour what goes to `sink`. */
export function useColor(sink: TextSink, io: CliIo): boolean {
  const noColor = io.env.NO_COLOR;
  if (noColor !== undefined && noColor !== '') return false;
  return sink.isTTY === true && io.env.TERM !== 'dumb';
}

const CODES = { red: 31, green: 32, yellow: 33, dim: 2, bold: 1 } as const;

/** A colouring function for `sink` (the identity when colour is off). */
export function painter(sink: TextSink, io: CliIo) {
  const on = useColor(sink, io);
  return (color: keyof typeof CODES, text: string): string =>
    on ? `\u001b[${CODES[color]}m${text}\u001b[0m` : text;
}

/** Write a JSON document (one line) to stdout. */
export function printJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value)}\n`);
}

/** The exit code for an error, after reporting it on stderr. */
export function reportError(io: CliIo, error: unknown, json: boolean): number {
  const e = ensureError(error);
  const usage =
    e instanceof UsageError ||
    e instanceof TypeError ||
    e instanceof RangeError;
  const code =
    e instanceof RunStateError ? e.code : usage ? 'E_USAGE' : 'E_FAILED';
  if (json) {
    const details = e instanceof RunStateError ? e.details : {};
    io.stderr.write(
      `${JSON.stringify({ error: { code, message: e.message, details } })}\n`,
    );
  } else {
    const paint = painter(io.stderr, io);
    const hint = usage ? ' (see runstate --help)' : '';
    io.stderr.write(
      `${paint('red', 'runstate: error')} ${code}: ${e.message}${hint}\n`,
    );
  }
  return usage ? EXIT_USAGE : EXIT_FAILED;
}
