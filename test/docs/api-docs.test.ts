import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** Read a file relative to the repository root. */
const read = (path: string): string =>
  readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

const api = read('docs/api.md');

/**
 * The public entry points: `runstate`, `runstate/sqlite`, `runstate/file`,
 * `runstate/otel`, `runstate/http` and `runstate/cli`.
 */
const entryPoints = [
  'src/index.ts',
  'src/storage/sqlite/index.ts',
  'src/storage/file/index.ts',
  'src/otel/index.ts',
  'src/http/index.ts',
  'src/cli/index.ts',
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

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Every Markdown page a user reads: `README.md` and `docs/*.md`. */
const pages = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** A document without its fenced code blocks (links there are code). */
function prose(markdown: string): string {
  let inFence = false;
  return markdown
    .split('\n')
    .map((line) => {
      if (/^\s*(```|~~~)/.test(line)) {
        inFence = !inFence;
        return '';
      }
      return inFence ? '' : line;
    })
    .join('\n');
}

/**
 * Repository paths a page names in its text or code (`src/…`, `test/…`,
 * `examples/…`, `bench/…`, `docs/…`, relative to the repository root),
 * skipping placeholders such as `examples/NN-topic.ts` or `test/**`.
 */
function namedPaths(markdown: string): string[] {
  const found = markdown.matchAll(
    /(?<![\w./-])(?:src|test|examples|bench|docs)\/[\w./<>*-]*/g,
  );
  return [...found]
    .map((m) => m[0].replace(/\.+$/, ''))
    .filter((path) => !/[<>*]|NN/.test(path));
}

/** Relative link targets of a page's prose: `[text](target)`. */
function relativeLinks(markdown: string): string[] {
  return [...prose(markdown).matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1] ?? '')
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

/** Why a link from `page` to `target` is broken, or `undefined`. */
function brokenLink(page: string, target: string): string | undefined {
  const [path = '', anchor] = target.split('#');
  const file = path === '' ? page : normalize(join(dirname(page), path));
  if (file.startsWith('..')) return `${target}: outside the repository`;
  if (!existsSync(join(root, file))) return `${target}: no ${file}`;
  if (anchor === undefined) return undefined;
  if (!file.endsWith('.md')) return `${target}: an anchor into ${file}`;
  return anchors(read(file)).has(anchor)
    ? undefined
    : `${target}: no heading #${anchor} in ${file}`;
}

describe('README.md and docs/*.md', () => {
  it.each(pages)('%s names only repository paths that exist', (page) => {
    const missing = namedPaths(read(page)).filter(
      (path) => !existsSync(join(root, path)),
    );
    expect(missing).toEqual([]);
  });

  it.each(pages)('%s links only to files and headings that exist', (page) => {
    const broken = relativeLinks(read(page))
      .map((target) => brokenLink(page, target))
      .filter((reason) => reason !== undefined);
    expect(broken).toEqual([]);
  });

  it('finds what the checks look for', () => {
    const sample = [
      'See `test/storage/storage-suite.ts` and test/crash/.',
      '[suite](api.md#runstatetesting) [web](https://x.org/a) [top](#top)',
      'Placeholders: `examples/NN-topic.ts`, `test/**`, `test/<area>/`.',
      '```ts',
      "import x from 'src/in-code.ts'; // [not a link](nowhere.md)",
      '```',
    ].join('\n');
    expect(namedPaths(sample)).toEqual([
      'test/storage/storage-suite.ts',
      'test/crash/',
      'src/in-code.ts',
    ]);
    expect(relativeLinks(sample)).toEqual(['api.md#runstatetesting', '#top']);
    expect(brokenLink('docs/x.md', 'api.md#runstatetesting')).toBeUndefined();
    expect(brokenLink('docs/x.md', 'api.md#no-such-heading')).toMatch(
      /no heading/,
    );
    expect(brokenLink('docs/x.md', '../examples/none.ts')).toMatch(/no /);
    expect(brokenLink('README.md', 'docs/api.md#the-model')).toBeUndefined();
  });
});
