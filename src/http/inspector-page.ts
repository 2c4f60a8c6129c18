/**
 * The savepoint inspector: one page at `/`, its script and stylesheet, all
 * served by the admin server itself (no build step, nothing fetched from
 * the internet; a Content-Security-Policy keeps it so).
 *
 * @packageDocumentation
 */
import type { FastifyInstance } from 'fastify';
import { INSPECTOR_JS } from './inspector-script.js';
import { INSPECTOR_CSS } from './inspector-style.js';

const HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>runstate inspector</title>
<link rel="stylesheet" href="/inspector.css">
</head>
<body>
<header><h1>runstate inspector</h1><span id="run-count" class="muted"></span>
<span class="status" id="updated"></span></header>
<main>
<nav><h2>Runs</h2><ul class="list" id="runs"></ul></nav>
<section id="view"></section>
<aside><h2>Live in this process</h2><div id="live"></div></aside>
</main>
<script src="/inspector.js"></script>
</body>
</html>
`;

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Register `/`, `/inspector.js` and `/inspector.css`. @internal */
export function pageRoute(app: FastifyInstance): void {
  const asset = (path: string, type: string, body: string): void => {
    app.get(path, { schema: { hide: true } }, async (_request, reply) =>
      reply
        .type(type)
        .header('content-security-policy', CSP)
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'no-cache')
        .send(body),
    );
  };
  asset('/', 'text/html; charset=utf-8', HTML);
  asset('/inspector.js', 'text/javascript; charset=utf-8', INSPECTOR_JS);
  asset('/inspector.css', 'text/css; charset=utf-8', INSPECTOR_CSS);
}
