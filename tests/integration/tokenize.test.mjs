// Embedded checkout's tokenize mode, server side: publishable keys in the admin API, and
// POST /v1/payments with `sealed_card` (sealed here in Node by kassa-core's wasm, as the
// widget seals in the browser, to the key the gateway publishes in its card forms).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { BASE, admin, api, liveKey, newAccount, paymentBody } from '../support/api.mjs';
import { core } from '../support/core.mjs';

const created = await admin('/accounts', { method: 'POST' });
const account = { id: created.json.account_id, key: created.json.api_key };
const pks = created.json.publishable_keys;
const roomy = { rate_limits: { post_per_second: 1000, other_per_second: 1000 } };
await admin(`/accounts/${account.id}`, { method: 'PATCH', body: roomy });
const other = (await admin('/accounts', { method: 'POST' })).json.publishable_keys;
const preview = await (await fetch(`${BASE}/checkout/preview`)).text();
const gatewayKey = /data-kassa-key="([^"]+)"/.exec(preview)[1];
const MINUTE = 60_000;

const seal = (number, { pk = pks.test, at = Date.now(), cvc = '123' } = {}) =>
  core.seal_card_for(gatewayKey, number, cvc, `publishable:${pk}`, at, randomBytes(32));
const pay = (sealed, overrides = {}, opts = {}) =>
  api(opts.key ?? account.key, '/payments', {
    method: 'POST', headers: opts.headers, body: paymentBody({ sealed_card: sealed, reference: 'TOK', ...overrides }),
  });
const events = async (id) => (await api(account.key, `/payments/${id}/events`)).json.events.map((e) => e.state.status);
const countByReference = async (reference) =>
  (await api(account.key, `/payments?reference=${reference}`)).json.total;

function assertRefused(res, pattern) {
  assert.equal(res.status, 422, res.text);
  assert.equal(res.json.code, 'P0102');
  assert.equal(res.json.field, 'sealed_card');
  assert.match(res.json.description, pattern);
}

test('publishable keys are shown on creation and in the settings, derived and distinct', async () => {
  assert.match(pks.test, /^pk_test_[a-z2-7]{23}$/);
  assert.match(pks.live, /^pk_live_[a-z2-7]{23}$/);
  const settings = await admin(`/accounts/${account.id}`);
  assert.deepEqual(settings.json.publishable_keys, pks);
  assert.notDeepEqual(other, pks);
  // A publishable key is no API key.
  assert.equal((await api(pks.test, '/payments')).status, 401);
});

test('a sealed 4242 card creates a payment that succeeds at once, without next_url', async () => {
  const res = await pay(seal('4242424242424242'), { reference: 'TOK-OK' });
  assert.equal(res.status, 201, res.text);
  assert.deepEqual(res.json.state, { status: 'success', finished: true });
  assert.equal(res.json._links.next_url, undefined);
  assert.equal(res.json.card_details.last_digits_card_number, '4242');
  assert.equal(res.json.card_details.card_brand, 'Visa');
  assert.deepEqual(await events(res.json.payment_id), ['created', 'started', 'submitted', 'success']);
  assert.doesNotMatch(res.text, /kst1\./, 'the token is not echoed');
  const again = await api(account.key, `/payments/${res.json.payment_id}`);
  assert.deepEqual(again.json.state, { status: 'success', finished: true });
});

test('a declined card fails with P0010; a delayed-capture payment is capturable', async () => {
  const declined = await pay(seal('4000000000000002'));
  assert.equal(declined.status, 201, declined.text);
  assert.equal(declined.json.state.status, 'failed');
  assert.equal(declined.json.state.code, 'P0010');
  const error = await pay(seal('4000000000000119'));
  assert.equal(error.json.state.status, 'error');
  assert.equal(error.json.state.code, 'P0050');
  const delayed = await pay(seal('4242424242424242'), { delayed_capture: true });
  assert.equal(delayed.status, 201, delayed.text);
  assert.equal(delayed.json.state.status, 'capturable');
  assert.equal(delayed.json._links.next_url, undefined);
  const capture = await api(account.key, `/payments/${delayed.json.payment_id}/capture`, { method: 'POST' });
  assert.equal(capture.status, 204, capture.text);
});

test('a token is single use: the second payment is refused and nothing changes', async () => {
  const token = seal('4242424242424242');
  assert.equal((await pay(token, { reference: 'TOK-ONCE' })).status, 201);
  assertRefused(await pay(token, { reference: 'TOK-ONCE' }), /already been used/);
  assert.equal(await countByReference('TOK-ONCE'), 1);
  // Concurrent reuse: exactly one of them wins.
  const racing = seal('4242424242424242');
  const results = await Promise.all([1, 2, 3, 4, 5].map(() => pay(racing, { reference: 'TOK-RACE' })));
  assert.deepEqual(results.map((r) => r.status).sort(), [201, 422, 422, 422, 422]);
  assert.equal(await countByReference('TOK-RACE'), 1);
});

test('foreign, live-vs-test, expired, future, malformed and non-string tokens are refused', async () => {
  // Live keys need a provider with live credentials: another account, put on Stripe (never
  // called: every token below is refused before a provider is asked).
  const mixed = (await admin('/accounts', { method: 'POST' })).json;
  const live = await liveKey({ id: mixed.account_id });
  const https = { return_url: 'https://shop.example/return', reference: 'TOK-REFUSED' };
  const refused = { reference: 'TOK-REFUSED' };
  assertRefused(await pay(seal('4242424242424242', { pk: other.test }), refused), /publishable key/);
  // A token made with the live publishable key, spent with a test API key, and the reverse.
  assertRefused(await pay(seal('4242424242424242', { pk: mixed.publishable_keys.live }), refused, { key: mixed.api_key }), /publishable key/);
  assertRefused(await pay(seal('4242424242424242', { pk: mixed.publishable_keys.test }), https, { key: live }), /publishable key/);
  assertRefused(await pay(seal('4242424242424242', { at: Date.now() - 16 * MINUTE }), refused), /expired/);
  assertRefused(await pay(seal('4242424242424242', { at: Date.now() + 10 * MINUTE }), refused), /future/);
  for (const junk of ['', 'kst1.', 'kst1.a.b.c.d.e', 'x'.repeat(5000), seal('4242424242424242').slice(0, -4) + 'AAAA']) {
    assertRefused(await pay(junk, refused), /./);
  }
  const wrongType = await pay(5, refused);
  assert.equal(wrongType.status, 400);
  assert.equal(wrongType.json.field, 'sealed_card');
  assert.equal(await countByReference('TOK-REFUSED'), 0, 'no test payment was made');
});

test('the sandbox takes no live sealed card: 403 P0940, nothing made, the token unspent', async () => {
  const mixed = (await admin('/accounts', { method: 'POST' })).json;
  const live = await liveKey({ id: mixed.account_id });
  // Back on the sandbox, the live key it already has can make no live payment.
  const back = await admin(`/accounts/${mixed.account_id}`, { method: 'PATCH', body: { payment_provider: 'sandbox' } });
  assert.equal(back.status, 200, back.text);
  const token = seal('4242424242424242', { pk: mixed.publishable_keys.live });
  const https = { return_url: 'https://shop.example/return', reference: 'TOK-LIVE-SANDBOX' };
  for (const sealed of [token, token]) {
    const res = await pay(sealed, https, { key: live });
    assert.equal(res.status, 403, res.text);
    assert.equal(res.json.code, 'P0940');
    assert.match(res.json.description, /sandbox takes test payments only/);
  }
  const plain = await api(live, '/payments', { method: 'POST', body: paymentBody(https) });
  assert.equal(plain.status, 403, plain.text);
  assert.equal((await api(live, '/payments?reference=TOK-LIVE-SANDBOX')).json.total, 0);
});

test('cards the rules or the sandbox refuse are 422 and leave the token unspent', async () => {
  assertRefused(await pay(seal('4242424242424241')), /card was refused/);
  const unsupported = seal('5555555555554444'); // valid, but not a sandbox test card
  assertRefused(await pay(unsupported), /card was refused/);
  const token = seal('4242424242424242');
  // A request refused for another attribute does not spend its token either.
  const badAmount = await pay(token, { amount: 0 });
  assert.equal(badAmount.status, 422);
  assert.equal(badAmount.json.field, 'amount');
  assert.equal((await pay(token)).status, 201);
  const restricted = await newAccount({ accepted_card_brands: ['master-card'], ...roomy });
  const restrictedPk = (await admin(`/accounts/${restricted.id}`)).json.publishable_keys.test;
  const visa = await api(restricted.key, '/payments', {
    method: 'POST', body: paymentBody({ sealed_card: seal('4242424242424242', { pk: restrictedPk }) }),
  });
  assertRefused(visa, /card was refused/);
});

test('an Idempotency-Key replays the first answer and never authorises twice', async () => {
  const token = seal('4242424242424242');
  const headers = { 'Idempotency-Key': `tok-${randomBytes(8).toString('hex')}` };
  const first = await pay(token, { reference: 'TOK-IDEM' }, { headers });
  assert.equal(first.status, 201, first.text);
  const replay = await pay(token, { reference: 'TOK-IDEM' }, { headers });
  assert.equal(replay.status, 201);
  assert.equal(replay.headers.get('idempotent-replayed'), 'true');
  assert.equal(replay.json.payment_id, first.json.payment_id);
  assert.equal(await countByReference('TOK-IDEM'), 1);
  // Parallel duplicates: one runs, the others replay it or are told it is still running.
  const racingHeaders = { 'Idempotency-Key': `tok-${randomBytes(8).toString('hex')}` };
  const racing = seal('4242424242424242');
  const results = await Promise.all([1, 2, 3, 4].map(() => pay(racing, { reference: 'TOK-IDEM-RACE' }, { headers: racingHeaders })));
  for (const r of results) assert.ok([201, 409].includes(r.status), r.text);
  assert.equal(new Set(results.filter((r) => r.status === 201).map((r) => r.json.payment_id)).size, 1);
  assert.equal(await countByReference('TOK-IDEM-RACE'), 1);
});
