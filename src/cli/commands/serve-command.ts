/**
 * `runstate serve URL`: the read-only admin API and the savepoint inspector
 * over a storage opened read-only, until SIGINT or SIGTERM.
 *
 * @packageDocumentation
 */
import type { Command } from 'commander';
import type * as http from '../../http/index.js';
import { RunStateError } from '../../errors.js';
import { parseCount } from '../format.js';
import { UsageError, printJson, type CliIo } from '../io.js';
import { withStorage, finish, type CommandContext } from './context.js';

/** The environment variable `serve` reads the token from. */
export const TOKEN_ENV = 'RUNSTATE_ADMIN_TOKEN';

interface ServeOptions {
  readonly host: string;
  readonly port: string;
  readonly token?: string;
  readonly json?: boolean;
}

/** `runstate serve URL [--host H] [--port N] [--token T]`. */
export function serveCommand(program: Command, ctx: CommandContext): void {
  const command = program
    .command('serve')
    .description(
      'serve the read-only admin API and the savepoint inspector page over a storage, until Ctrl-C',
    )
    .argument('<url>', 'storage URL (opened read-only)')
    .option(
      '--host <host>',
      'interface to bind; others than loopback need a token',
      '127.0.0.1',
    )
    .option('--port <port>', 'TCP port (0: any free port)', '4400')
    .option(
      '--token <token>',
      `require "Authorization: Bearer <token>" on the API (default: $${TOKEN_ENV})`,
    )
    .action((url: string, options: ServeOptions) => serve(ctx, url, options));
  finish(command, [
    'runstate serve state.sqlite            # then open http://127.0.0.1:4400',
    'runstate serve postgres://localhost/app?schema=jobs --port 8080',
    `${TOKEN_ENV}=s3cret runstate serve file:./state --host 0.0.0.0`,
  ]);
}

async function serve(
  ctx: CommandContext,
  url: string,
  options: ServeOptions,
): Promise<void> {
  const port = parsePort(options.port);
  const token = options.token ?? nonEmpty(ctx.io.env[TOKEN_ENV]);
  if (token === '') throw new UsageError('--token must not be empty');
  const { createAdminServer } = await loadHttp();
  // Listen for SIGINT/SIGTERM before the address is printed: whoever reads
  // it may signal at once, and a signal before any listener kills the
  // process (Node's default) instead of stopping it cleanly.
  const stopped = untilStopped(ctx.io);
  await withStorage(url, 'read', async (storage) => {
    await using server = createAdminServer({
      storage,
      ...(token === undefined ? {} : { token }),
    });
    const base = await server.listen({ host: options.host, port });
    if (options.json === true) printJson(ctx.io, { url: base });
    else ctx.io.stdout.write(`${base}\n`);
    const exposed = !isLoopback(options.host) && token === undefined;
    ctx.io.stderr.write(
      `runstate: serving ${url} read-only at ${base}; stop with Ctrl-C\n` +
        (exposed
          ? `runstate: warning: ${options.host} is not loopback and there is no token: anyone who reaches it reads every stored state\n`
          : ''),
    );
    const signal = await stopped;
    ctx.io.stderr.write(`runstate: ${signal}: stopping\n`);
  });
}

/** `runstate/http`, loaded only by `serve` (fastify is an optional peer). */
async function loadHttp(): Promise<typeof http> {
  try {
    return await import('../../http/index.js');
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_MODULE_NOT_FOUND') {
      throw error;
    }
    throw new RunStateError(
      'E_INVALID_STATE',
      'runstate serve needs fastify and @fastify/swagger: npm install fastify @fastify/swagger',
      { cause: error },
    );
  }
}

/** `--port`: an integer 0–65535. */
function parsePort(text: string): number {
  if (text === '0') return 0;
  const port = parseCount('--port', text);
  if (port > 65535) {
    throw new UsageError(`--port must be 0-65535, got ${JSON.stringify(text)}`);
  }
  return port;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/**
 * Resolve with the signal's name at `io.signal`'s abort, or (without one)
 * at the process's first SIGINT or SIGTERM; a second one then acts as
 * usual (ends the process).
 */
function untilStopped(io: CliIo): Promise<string> {
  const { signal } = io;
  if (signal !== undefined) {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve('aborted');
      signal.addEventListener('abort', () => resolve('aborted'), {
        once: true,
      });
    });
  }
  return new Promise((resolve) => {
    const stop = (name: NodeJS.Signals): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(name);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
