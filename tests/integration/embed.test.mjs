// The embedded forms' framing rules, server side: which merchant origins may frame the card
// form of a test or a live payment (and of tokenize), as the gateway serves the embed pages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, admin, api, liveKey, paymentBody } from '../support/api.mjs';

const created = await admin('/accounts', { method: 'POST' });
const account = { id: created.json.account_id, key: created.json.api_key };
const pks = created.json.publishable_keys;
const LOCAL = 'http://localhost:8080';
const SHOP = 'https://shop.example';
const patch = await admin(`/accounts/${account.id}`, { method: 'PATCH', body: { allowed_origins: [SHOP, LOCAL] } });
assert.equal(patch.status, 200, patch.text);
const live = await liveKey(account);

async function embed(path, origin) {
  const res = await fetch(`${BASE}${path}?origin=${encodeURIComponent(origin)}&channel=c1`);
  const body = await res.text();
  const ancestors = /frame-ancestors ([^;]+)/.exec(res.headers.get('content-security-policy') ?? '')?.[1];
  return { status: res.status, ancestors, form: /data-kassa-parent="([^"]+)"/.exec(body)?.[1] };
}

async function pageToken(key) {
  const p = await api(key, '/payments', { method: 'POST', body: paymentBody() });
  assert.equal(p.status, 201, p.text);
  return p.json._links.next_url.href.split('/secure/')[1];
}

test('a test payment\'s form may be framed by every registered origin, http on localhost too', async () => {
  const local = await embed(`/embed/${await pageToken(account.key)}`, LOCAL);
  assert.equal(local.status, 200);
  assert.equal(local.ancestors, `${SHOP} ${LOCAL}`);
  assert.equal(local.form, LOCAL);
  const tokenize = await embed(`/embed/tokenize/${pks.test}`, LOCAL);
  assert.equal(tokenize.status, 200);
  assert.equal(tokenize.ancestors, `${SHOP} ${LOCAL}`);
});

test('a live payment\'s form is framed only by https origins', async () => {
  const refused = await embed(`/embed/${await pageToken(live)}`, LOCAL);
  assert.equal(refused.status, 404);
  assert.equal(refused.form, undefined);
  const served = await embed(`/embed/${await pageToken(live)}`, SHOP);
  assert.equal(served.status, 200);
  assert.equal(served.ancestors, SHOP, 'the http origin is not a frame ancestor either');
  assert.equal(served.form, SHOP);
  assert.equal((await embed(`/embed/tokenize/${pks.live}`, LOCAL)).status, 404);
  const tokenize = await embed(`/embed/tokenize/${pks.live}`, SHOP);
  assert.equal(tokenize.status, 200);
  assert.equal(tokenize.ancestors, SHOP);
});

test('an unregistered origin is refused in either mode', async () => {
  assert.equal((await embed(`/embed/${await pageToken(account.key)}`, 'https://evil.example')).status, 404);
  assert.equal((await embed(`/embed/tokenize/${pks.test}`, 'http://localhost:9999')).status, 404);
});
