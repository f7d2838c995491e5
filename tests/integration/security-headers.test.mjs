// Every page the gateway serves carries the security headers: a CSP with per-response nonces
// and never 'unsafe-inline', frame-ancestors ('none' for redirect pages, the account's
// origins for the embedded form), HSTS, no-store, no referrer, no MIME sniffing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { admin, api, BASE, newAccount, paymentBody } from '../support/api.mjs';
import { Payer } from '../support/payer.mjs';

const SHOP = 'http://localhost:8123';
const account = await newAccount();
await admin(`/accounts/${account.id}`, { method: 'PATCH', body: { allowed_origins: [SHOP, 'https://shop.example'] } });
const create = async () => (await api(account.key, '/payments', { method: 'POST', body: paymentBody() })).json;

function checkPage(name, res, { frameAncestors = "'none'" } = {}) {
  const h = (n) => res.headers.get(n);
  const csp = h('content-security-policy');
  assert.ok(csp, `${name}: CSP`);
  assert.doesNotMatch(csp, /unsafe-inline/, name);
  assert.match(csp, /default-src 'none'/, name);
  assert.match(csp, /base-uri 'none'/, name);
  assert.equal(/frame-ancestors ([^;]+)/.exec(csp)?.[1], frameAncestors, name);
  if (frameAncestors === "'none'") assert.equal(h('x-frame-options'), 'DENY', name);
  assert.equal(h('cache-control'), 'no-store', name);
  assert.match(h('strict-transport-security'), /max-age=\d{8}/, name);
  assert.equal(h('referrer-policy'), 'no-referrer', name);
  assert.equal(h('x-content-type-options'), 'nosniff', name);
  // Every inline script runs under this response's nonce, and there are no inline styles.
  const nonce = /'nonce-([0-9a-f]{32})'/.exec(csp)?.[1];
  for (const tag of res.html.match(/<script[^>]*>/g) ?? []) {
    if (/ src=/.test(tag)) continue;
    assert.equal(/nonce="([^"]+)"/.exec(tag)?.[1], nonce, `${name}: ${tag}`);
  }
  assert.doesNotMatch(res.html, /<style| style="/, name);
}

test('static and worker pages', async () => {
  const payer = new Payer();
  for (const path of ['/', '/checkout/preview', '/no-such-page', '/secure/not-a-token', '/shop/', '/docs/api/', '/docs/lifecycle/']) {
    checkPage(path, await payer.request(path));
  }
  const a = await payer.request('/');
  const b = await payer.request('/');
  assert.notEqual(/'nonce-(\w+)'/.exec(a.headers.get('content-security-policy'))[1],
    /'nonce-(\w+)'/.exec(b.headers.get('content-security-policy'))[1], 'a fresh nonce per response');
});

test('the hosted card, confirm and outcome pages', async () => {
  const payer = new Payer();
  const p = await create();
  const card = await payer.go(p._links.next_url.href);
  // The confirm step answers 303 to return_url: its origin is the only other form target.
  checkPage('card page', card);
  assert.match(card.headers.get('content-security-policy'), /form-action 'self' https:\/\/shop\.example;/);
  const q = await create();
  const confirmPage = await new Payer().pay(q._links.next_url.href, '4242424242424242', { confirm: false });
  assert.match(confirmPage.html, /Confirm your payment/);
  checkPage('confirm page', confirmPage);
  const r = await create();
  const declined = await new Payer().pay(r._links.next_url.href, '4000000000000002');
  assert.match(declined.html, /declined/);
  checkPage('declined page', declined);
});

test('the embedded form may be framed by the account\'s origins only', async () => {
  const p = await create();
  const token = p._links.next_url.href.split('/secure/')[1];
  const payer = new Payer();
  const res = await payer.request(`/embed/${token}?origin=${encodeURIComponent(SHOP)}&channel=c1`);
  assert.equal(res.status, 200);
  checkPage('embed page', res, { frameAncestors: `${SHOP} https://shop.example` });
  assert.equal(res.headers.get('set-cookie'), null, 'the embedded form needs no cookie');
  const q = await create();
  const other = q._links.next_url.href.split('/secure/')[1];
  const refused = await payer.request(`/embed/${other}?origin=${encodeURIComponent('https://evil.example')}&channel=c1`);
  assert.equal(refused.status, 404);
  checkPage('embed page, unregistered origin', refused);
  // Refusing did not spend the link: the payer can still use it.
  assert.equal((await new Payer().go(q._links.next_url.href)).status, 200);
});

test('/v1/checkout.js is served with CORS for SRI and the baseline headers', async () => {
  const res = await fetch(`${BASE}/v1/checkout.js`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('access-control-allow-origin'), '*');
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.match(await res.text(), /Kassa embedded checkout loader, v1/);
});
