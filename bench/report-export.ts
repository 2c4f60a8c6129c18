/**
 * The "Export and import of a large savepoint" section of
 * docs/benchmarks.md, from bench/export-memory.ts's results.
 */
import type { ExportMemoryResult } from './export-memory.js';
import { fmt, mdTable } from './stats.js';

/** The section, with one row per savepoint size. */
export function exportSection(results: readonly ExportMemoryResult[]): string {
  const big = results.at(-1);
  const rows = results.map((r) => [
    fmt(r.entities),
    r.fileMB.toFixed(1),
    r.fillMB.toFixed(0),
    r.readMB.toFixed(0),
    r.exportMB.toFixed(0),
    r.importMB.toFixed(0),
    r.seconds.toFixed(1),
  ]);
  const verdict =
    big === undefined
      ? ''
      : `Exporting ${fmt(big.entities)} entities to a ${big.fileMB.toFixed(0)} MB file peaks ${Math.max(0, big.exportMB - big.readMB).toFixed(0)} MB above that floor, and importing it ${Math.max(0, big.importMB - big.readMB).toFixed(0)} MB above it; holding the file's text would add at least its ${big.fileMB.toFixed(0)} MB.`;
  return `## Export and import of a large savepoint

\`runstate export\` / \`exportSavepoint\` and \`runstate import\` /
\`importSavepoint\` stream a savepoint as NDJSON, one entity per line
([export format](export-format.md)): neither holds the file's text in memory.
Export holds the savepoint's stored bytes (as \`storage.readSavepoint\` returns
them) and one entity's decoded state at a time; import holds the encoded
states it is about to write in one atomic \`writeSavepoint\`, never the file.
Peak RSS of each step, each in a child process of its own, for one savepoint
of N entities × ~1 KB (the states of \`bench/state-data.ts\`) in SQLite:

${mdTable(
  [
    'entities',
    'export file (MB)',
    'fill RSS (MB)',
    'read alone RSS (MB)',
    'export RSS (MB)',
    'import RSS (MB)',
    'read+export+import (s)',
  ],
  rows,
)}

"read alone" is the floor: a process that only opens the store and reads the
savepoint (the stored states, plus Node and tsx at about 110 MB). ${verdict}
Times are indicative only. Reproduce this section alone with:

\`\`\`sh
node --import tsx --conditions=runstate-source bench/export-memory.ts 10000 100000
\`\`\``;
}
