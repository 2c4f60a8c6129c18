/**
 * How tests start a TypeScript child process: Node with tsx, resolving
 * `runstate` and its subpaths to `src/` (the `runstate-source` condition), as
 * the examples do.
 */

/** Node arguments that run `script` (a .ts file) with `args`. */
export function tsChildArgs(script: string, ...args: string[]): string[] {
  return ['--import', 'tsx', '--conditions=runstate-source', script, ...args];
}
