/**
 * The savepoint inspector's stylesheet, served at `/inspector.css`.
 *
 * @packageDocumentation
 */
export const INSPECTOR_CSS = `
:root { --fg: #1d232a; --muted: #66707a; --line: #d9dee3; --accent: #1f6feb;
  --bad: #c62828; --good: #2e7d32; --bg2: #f5f7f9; font: 14px/1.45 system-ui, sans-serif; }
body { margin: 0; color: var(--fg); }
header { display: flex; gap: 1rem; align-items: baseline; padding: .6rem 1rem;
  border-bottom: 1px solid var(--line); background: var(--bg2); }
header h1 { font-size: 1.1rem; margin: 0; }
header .status { color: var(--muted); margin-left: auto; }
main { display: grid; grid-template-columns: 16rem 1fr 20rem; min-height: calc(100vh - 3rem); }
nav, aside { border-right: 1px solid var(--line); padding: .5rem; overflow: auto; }
aside { border-right: 0; border-left: 1px solid var(--line); }
section#view { padding: .5rem 1rem; overflow: auto; }
h2 { font-size: 1rem; margin: .5rem 0; }
ul.list { list-style: none; margin: 0; padding: 0; }
ul.list li a { display: block; padding: .25rem .4rem; border-radius: 4px;
  text-decoration: none; color: inherit; }
ul.list li a:hover, ul.list li a.selected { background: #e7efff; }
.muted { color: var(--muted); }
.timeline { position: relative; height: 2.4rem; margin: .5rem 0 1rem;
  border-bottom: 2px solid var(--line); }
.timeline a { position: absolute; bottom: -7px; width: 12px; height: 12px;
  margin-left: -6px; border-radius: 50%; background: var(--accent); }
.timeline a.selected { background: var(--bad); }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .2rem .5rem; border-bottom: 1px solid var(--line); }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.tree { font: 13px/1.4 ui-monospace, monospace; }
.tree details { margin-left: 1rem; }
.tree summary { cursor: pointer; }
.tree .leaf { margin-left: 1rem; }
.key { color: #8a3ffc; } .str { color: #0a7d2c; } .num { color: #b35900; }
.added { color: var(--good); } .removed { color: var(--bad); } .changed { color: #b35900; }
.straggler { color: var(--bad); font-weight: 600; }
.error { color: var(--bad); }
button, select, input { font: inherit; }
`;
