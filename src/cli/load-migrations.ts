/**
 * Loading the migration chain named by `--migrations FILE`: a JavaScript
 * module, or a TypeScript one through tsx.
 *
 * @packageDocumentation
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureError } from '../errors.js';
import type { Migrations } from '../migrate/index.js';
import { UsageError } from './io.js';

const TYPESCRIPT = /\.(?:c|m)?tsx?$/;

/** Import a module: `.ts`/`.mts`/`.cts` through tsx's `tsImport`. */
async function importModule(path: string): Promise<unknown> {
  const url = pathToFileURL(path).href;
  if (!TYPESCRIPT.test(path)) return import(url);
  // tsx is a dependency for this: Node 20 cannot load TypeScript itself.
  const { tsImport } = await import('tsx/esm/api');
  return tsImport(url, import.meta.url);
}

/** Whether `value` is a chain made by `defineMigrations`. */
function isMigrations(value: unknown): value is Migrations<unknown> {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Partial<Record<keyof Migrations, unknown>>;
  return (
    Number.isSafeInteger(v.version) &&
    Number.isSafeInteger(v.oldest) &&
    v.steps instanceof Map
  );
}

/** The chain a module exports: `migrations`, else the default export. */
function chainOf(module: unknown): unknown {
  const m = module as { migrations?: unknown; default?: unknown };
  if (m.migrations !== undefined) return m.migrations;
  // A CommonJS or tsx-compiled module may nest the ESM default once more.
  const d = m.default as
    { default?: unknown; migrations?: unknown } | undefined;
  if (isMigrations(d)) return d;
  return d?.migrations ?? d?.default ?? d;
}

/**
 * Load the migration chain a module exports (a named `migrations` export,
 * or the default export), the result of `defineMigrations`.
 *
 * @param file - the module's path (`.js`, `.mjs`, `.cjs`, `.ts`, `.mts`,
 * `.cts`), relative to the working directory
 * @throws {@link UsageError} (exit 2) when the file does not exist, throws
 * when imported (its error is the `cause`), or exports no chain
 */
export async function loadMigrations(
  file: string,
): Promise<Migrations<unknown>> {
  const path = resolve(file);
  if (!existsSync(path)) {
    throw new UsageError(`--migrations: no such file ${JSON.stringify(file)}`);
  }
  let module: unknown;
  try {
    module = await importModule(path);
  } catch (error) {
    throw new UsageError(
      `--migrations: importing ${JSON.stringify(file)} failed: ${ensureError(error).message}`,
      { cause: error },
    );
  }
  const chain = chainOf(module);
  if (!isMigrations(chain)) {
    throw new UsageError(
      `--migrations: ${JSON.stringify(file)} exports no migration chain: export the result of defineMigrations(…) as the default export or as \`migrations\``,
    );
  }
  return chain;
}
