// The gateway's basic surface, through the real runtime (wrangler dev / workerd).
import { test } from 'node:test';
import assert from 'node:assert/strict';

const BASE = process.env.KASSA_URL;

test('GET /healthz reports ok and the version', async () => {
  const res = await fetch(`${BASE}/healthz`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /application\/json/);
  const body = await res.json();
  assert.equal(body.status, 'ok');
  assert.match(body.version, /^\d+\.\d+\.\d+/);
});

test('the API refuses requests without a key before anything else', async () => {
  const res = await fetch(`${BASE}/v1/payments`);
  assert.equal(res.status, 401);
  assert.equal(res.headers.get('www-authenticate'), 'Bearer');
});

test('the hosted card form is served with strict security headers', async () => {
  const res = await fetch(`${BASE}/checkout/preview`);
  assert.equal(res.status, 200);
  const csp = res.headers.get('content-security-policy');
  assert.match(csp, /frame-ancestors 'none'/);
  assert.match(csp, /script-src 'nonce-[0-9a-f]{32}'/);
  assert.doesNotMatch(csp, /unsafe-inline/);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.match(res.headers.get('strict-transport-security'), /max-age=\d+/);
  const html = await res.text();
  const nonce = /'nonce-([0-9a-f]+)'/.exec(csp)[1];
  assert.ok(html.includes(`nonce="${nonce}"`), 'inline script carries the CSP nonce');
});

test('each page gets a fresh nonce', async () => {
  const a = (await fetch(`${BASE}/checkout/preview`)).headers.get('content-security-policy');
  const b = (await fetch(`${BASE}/checkout/preview`)).headers.get('content-security-policy');
  assert.notEqual(a, b);
});

test('the widget and demo shop are served as static assets', async () => {
  for (const path of ['/assets/checkout/kassa_checkout.js', '/assets/checkout/kassa_checkout_bg.wasm', '/shop/']) {
    const res = await fetch(`${BASE}${path}`);
    assert.equal(res.status, 200, path);
  }
});
