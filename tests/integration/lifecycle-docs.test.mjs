// The payment lifecycle diagram and its page, as the gateway serves them (static assets built
// by `make build-docs`): the SVG with its own media type, so browsers render it in an <img>.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../support/gateway.mjs';

const BASE = process.env.KASSA_URL;

test('GET /docs/lifecycle.svg serves the built diagram as image/svg+xml', async () => {
  const res = await fetch(`${BASE}/docs/lifecycle.svg`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^image\/svg\+xml\b/);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(await res.text(), readFileSync(join(ROOT, 'dist/public/docs/lifecycle.svg'), 'utf8'));
});

test('GET /docs/lifecycle/ serves the page that shows it', async () => {
  const res = await fetch(`${BASE}/docs/lifecycle/`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/html\b/);
  const html = await res.text();
  assert.match(html, /<img src="\/docs\/lifecycle.svg"/);
  assert.match(html, /<a href="\/docs\/api\/">/);
});
