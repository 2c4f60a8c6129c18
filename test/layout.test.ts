import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The source tree's shape (`../shared/style.md` item 1): a folder is a part,
 * reached from outside only through its `index.ts`, and no module imports
 * itself back through a cycle.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

const files = sourceFiles(src);
const importPattern = /(?:^|\n)\s*(?:import|export)[^'";]*?from\s*'(\.[^']+)'/g;

/** The relative imports of a file, as absolute `.ts` paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(importPattern)].map((m) =>
    normalize(join(dirname(file), m[1]!)).replace(/\.js$/, '.ts'),
  );
}

/** A part is a folder below `src/` (the deepest one holding the file). */
const partOf = (file: string): string => dirname(file);

/** Folders of single-file parts (`errors.ts`, `actors/entity.ts`): no door. */
const doorless = new Set([src, join(src, 'actors')]);

describe('the source layout', () => {
  it('has no import cycles', () => {
    const graph = new Map(files.map((f) => [f, importsOf(f)]));
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (file: string, path: string[]): void => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        const loop = path.slice(path.indexOf(file));
        cycles.push([...loop, file].map((f) => relative(src, f)).join(' → '));
        return;
      }
      state.set(file, 'open');
      for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of files) visit(file, []);
    expect(cycles).toEqual([]);
  });

  it('reaches another part only through its index.ts', () => {
    const strays: string[] = [];
    for (const file of files) {
      const from = partOf(file);
      for (const target of importsOf(file)) {
        const to = partOf(target);
        // Same folder, or a file of an enclosing part (errors.ts, base-storage.ts…).
        if (to === from || from.startsWith(to + '/') || doorless.has(to)) {
          continue;
        }
        if (target === join(to, 'index.ts')) continue;
        strays.push(`${relative(src, file)} → ${relative(src, target)}`);
      }
    }
    expect(strays).toEqual([]);
  });

  it('gives every folder of src/ an index.ts door', () => {
    const folders = [...new Set(files.map(partOf))].filter(
      (d) => !doorless.has(d),
    );
    const missing = folders.filter((d) => !files.includes(join(d, 'index.ts')));
    expect(missing.map((d) => relative(src, d))).toEqual([]);
  });
});
