import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** Read a file relative to the repository root. */
const read = (path: string): string =>
  readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

const api = read('docs/api.md');

/** The public entry points: `runstate`, `runstate/sqlite` and `runstate/file`. */
const entryPoints = [
  'src/index.ts',
  'src/storage/sqlite/index.ts',
  'src/storage/file/index.ts',
];

/** Names exported by a module's source text (export lists and declarations). */
function exportedNames(source: string): string[] {
  const names: string[] = [];
  for (const [, list] of source.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}/g)) {
    for (const item of (list ?? '').split(',')) {
      const spec = item.replace(/^\s*type\s+/, '').trim();
      if (spec === '') continue;
      names.push(spec.split(/\s+as\s+/).at(-1) ?? spec);
    }
  }
  for (const [, name] of source.matchAll(
    /^export\s+(?:declare\s+)?(?:abstract\s+)?(?:async\s+)?(?:class|function|const|let|interface|type|enum)\s+([A-Za-z_$][\w$]*)/gm,
  )) {
    names.push(name ?? '');
  }
  return names;
}

/** The Markdown headings of a document, skipping fenced code blocks. */
function headings(markdown: string): string[] {
  const result: string[] = [];
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    const match = inFence ? null : /^#{1,6}\s+(.*)$/.exec(line);
    if (match) result.push(match[1] ?? '');
  }
  return result;
}

/** The section of a document under a `## ` heading, up to the next one. */
function section(markdown: string, title: string): string {
  const start = markdown.indexOf(`\n## ${title}\n`);
  if (start < 0) return '';
  const end = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start, end < 0 ? undefined : end);
}

/** GitHub's heading anchor, with `-1`, `-2`… for repeated headings. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const heading of headings(markdown)) {
    const slug = heading
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    result.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return result;
}

const isWord = (name: string) =>
  new RegExp(`(^|[^\\w$])${name.replace(/\$/g, '\\$')}([^\\w$]|$)`);

describe('docs/api.md', () => {
  it.each(entryPoints)('has a heading for every export of %s', (path) => {
    const source = read(path);
    expect(source).not.toMatch(/export\s+\*/);
    const names = exportedNames(source);
    expect(names.length).toBeGreaterThan(0);
    const titles = headings(api);
    const missing = names.filter(
      (name) => !titles.some((title) => isWord(name).test(title)),
    );
    expect(missing).toEqual([]);
  });

  it('documents every ErrorCode in the error-code table, and no other code', () => {
    const union = /export\s+type\s+ErrorCode\s*=([^;]*);/.exec(
      read('src/errors.ts'),
    );
    const codes = [...(union?.[1] ?? '').matchAll(/'(E_[A-Z_]+)'/g)].map(
      (m) => m[1],
    );
    expect(codes.length).toBeGreaterThan(0);
    const rows = section(api, 'Error codes')
      .split('\n')
      .filter((line) => line.startsWith('|'));
    const tabled = rows
      .map((row) => /^\|\s*`(E_[A-Z_]+)`\s*\|/.exec(row)?.[1])
      .filter((code) => code !== undefined);
    expect([...tabled].sort()).toEqual([...codes].sort());
  });

  it('keeps the heading the README links to', () => {
    expect(read('README.md')).toContain('docs/api.md#the-model');
    expect(anchors(api)).toContain('the-model');
  });

  it('has no broken links to its own headings', () => {
    const known = anchors(api);
    const broken = [...api.matchAll(/\]\(#([^)]+)\)/g)]
      .map((m) => m[1])
      .filter((anchor) => anchor !== undefined && !known.has(anchor));
    expect(broken).toEqual([]);
  });
});
