/**
 * What every command shares: the streams, the exit code it sets, opening
 * and closing the storage, and the help text's examples.
 *
 * @packageDocumentation
 */
import type { Command } from 'commander';
import type { StorageAdapter } from '../../storage/index.js';
import type { CliIo } from '../io.js';
import { openStorageUrl } from '../storage-url.js';

/** The state one command run shares with its action. */
export interface CommandContext {
  readonly io: CliIo;
  /** The exit code; an action sets 1 when a check failed. */
  exitCode: number;
}

/** Options every command accepts. */
export interface JsonOption {
  readonly json?: boolean;
}

/**
 * How a command opens its storage: `'read'` read-only, `'change'` writable
 * but only a store that exists (a missing SQLite file or directory is
 * `E_STORAGE`, never created), `'create'` writable, created if missing
 * (the target of `copy` and `import`).
 */
export type OpenMode = 'read' | 'change' | 'create';

const OPEN_OPTIONS = {
  read: { readOnly: true },
  change: { readOnly: false, create: false },
  create: { readOnly: false },
} as const;

/**
 * Open the storage at `url` as `mode` says, run `body`, close the storage
 * (also when `body` throws).
 */
export async function withStorage<T>(
  url: string,
  mode: OpenMode,
  body: (storage: StorageAdapter) => Promise<T>,
): Promise<T> {
  const storage = await openStorageUrl(url, OPEN_OPTIONS[mode]);
  try {
    return await body(storage);
  } finally {
    await storage.close();
  }
}

/** Add `--json` and a help text ending in examples to a command. */
export function finish(command: Command, examples: readonly string[]): Command {
  return command
    .option('--json', 'print one JSON document on stdout (for scripts)')
    .addHelpText(
      'after',
      `\nExamples:\n${examples.map((e) => `  $ ${e}`).join('\n')}`,
    );
}
