// The /v1 payments API through the real runtime: GOV.UK Pay's shapes, states and errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { admin, api, liveKey, newAccount, paymentBody, BASE } from '../support/api.mjs';
import { STATE, rowCounts } from '../support/state.mjs';

const account = await newAccount();
const KEY = account.key;

test('create payment answers 201 in GOV.UK Pay\'s shape with next_url links', async () => {
  const res = await api(KEY, '/payments', { method: 'POST', body: paymentBody({ metadata: { ledger: 'AB1', n: 2, ok: true }, email: 'payer@example.com' }) });
  assert.equal(res.status, 201, res.text);
  const p = res.json;
  assert.match(p.payment_id, /^[a-z0-9]{26}$/);
  assert.equal(p.amount, 1450);
  assert.equal(p.reference, 'INV-2026-001');
  assert.equal(p.description, 'Pay your council tax');
  assert.equal(p.return_url, 'https://shop.example/return');
  assert.equal(p.email, 'payer@example.com');
  assert.deepEqual(p.metadata, { ledger: 'AB1', n: 2, ok: true });
  assert.equal(p.language, 'en');
  assert.equal(p.delayed_capture, false);
  assert.equal(p.moto, false);
  assert.equal(p.payment_provider, 'sandbox');
  assert.deepEqual(p.state, { status: 'created', finished: false });
  assert.match(p.created_date, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.equal(p._links.self.href, `${BASE}/v1/payments/${p.payment_id}`);
  assert.equal(p._links.self.method, 'GET');
  assert.match(p._links.next_url.href, new RegExp(`^${BASE}/secure/[a-z2-7]+$`));
  assert.equal(p._links.next_url_post.method, 'POST');
  assert.equal(p._links.next_url_post.params.chargeTokenId, p._links.next_url.href.split('/').pop());
  assert.equal(p._links.cancel.method, 'POST');
  assert.equal(p._links.capture, undefined);
  assert.equal(p._links.events.href, `${BASE}/v1/payments/${p.payment_id}/events`);
  assert.equal(p._links.refunds.href, `${BASE}/v1/payments/${p.payment_id}/refunds`);
});

test('GET shows the payment\'s unused next_url token again, and a new one once it is used', { skip: !STATE }, async () => {
  const { id, key } = await newAccount();
  const created = (await api(key, '/payments', { method: 'POST', body: paymentBody() })).json;
  const href = created._links.next_url.href;
  for (let i = 0; i < 50; i += 1) {
    const again = await api(key, `/payments/${created.payment_id}`);
    assert.equal(again.status, 200);
    assert.equal(again.json._links.next_url.href, href);
  }
  // 51 renders of an unused link: one stored token, not one per GET.
  assert.deepEqual(rowCounts(id, ['page_tokens', 'pay_sessions']), { page_tokens: 1, pay_sessions: 0 });
  // Opening it spends it (one session); the next GET offers a new link, shown again after.
  const opened = await fetch(href, { redirect: 'manual' });
  assert.equal(opened.status, 303);
  const next = (await api(key, `/payments/${created.payment_id}`)).json._links.next_url.href;
  assert.notEqual(next, href);
  assert.equal((await api(key, `/payments/${created.payment_id}`)).json._links.next_url.href, next);
  assert.deepEqual(rowCounts(id, ['page_tokens', 'pay_sessions']), { page_tokens: 2, pay_sessions: 1 });
});

test('unknown API paths answer 404 in GOV.UK Pay error format', async () => {
  const res = await api(KEY, '/nothing-here');
  assert.equal(res.status, 404);
  assert.match(res.json.code, /^P\d{4}$/);
  assert.equal(typeof res.json.description, 'string');
});

test('unknown payments are 404 P0200', async () => {
  const res = await api(KEY, '/payments/abcdefghijklmnopqrstuvwxyz');
  assert.equal(res.status, 404);
  assert.equal(res.json.code, 'P0200');
});

test('another account\'s payments are invisible, and test and live data are separate', async () => {
  const created = (await api(KEY, '/payments', { method: 'POST', body: paymentBody() })).json;
  const other = await newAccount();
  assert.equal((await api(other.key, `/payments/${created.payment_id}`)).status, 404);
  assert.equal((await api(other.key, `/payments/${created.payment_id}/events`)).status, 404);
  assert.equal((await api(other.key, `/payments/${created.payment_id}/cancel`, { method: 'POST' })).status, 404);
  // Both modes on one account (live ones need a provider with live credentials).
  const mixed = await newAccount();
  const testPayment = (await api(mixed.key, '/payments', { method: 'POST', body: paymentBody() })).json;
  const live = await liveKey(mixed);
  assert.equal((await api(live, `/payments/${testPayment.payment_id}`)).status, 404, 'a live key cannot see test payments');
  const livePayment = await api(live, '/payments', { method: 'POST', body: paymentBody() });
  assert.equal(livePayment.status, 201);
  assert.equal((await api(mixed.key, `/payments/${livePayment.json.payment_id}`)).status, 404, 'a test key cannot see live payments');
});

test('the sandbox moves no money: no live key is issued for it, and a live create on it is 403 P0940', async () => {
  const sandbox = await newAccount();
  const issued = await admin(`/accounts/${sandbox.id}/keys`, { method: 'POST', body: { live: true } });
  assert.equal(issued.status, 403, issued.text);
  assert.equal(issued.json.code, 'P0940');
  assert.match(issued.json.description, /Live API keys need a payment provider/);
  // An account that had a real provider and went back to the sandbox keeps its live keys,
  // but they make no live payment.
  const live = await liveKey(sandbox);
  assert.equal((await admin(`/accounts/${sandbox.id}`, { method: 'PATCH', body: { payment_provider: 'sandbox' } })).status, 200);
  const res = await api(live, '/payments', { method: 'POST', body: paymentBody({ reference: 'LIVE-ON-SANDBOX' }) });
  assert.equal(res.status, 403, res.text);
  assert.equal(res.json.code, 'P0940');
  assert.match(res.json.description, /sandbox takes test payments only/);
  assert.equal((await api(live, '/payments?reference=LIVE-ON-SANDBOX')).json.total, 0);
  // Test payments go on as before.
  assert.equal((await api(sandbox.key, '/payments', { method: 'POST', body: paymentBody() })).status, 201);
});

test('live keys require an https return_url', async () => {
  const live = await liveKey(await newAccount());
  const res = await api(live, '/payments', { method: 'POST', body: paymentBody({ return_url: 'http://shop.example/return' }) });
  assert.equal(res.status, 422);
  assert.equal(res.json.code, 'P0102');
  assert.equal(res.json.field, 'return_url');
});

test('validation failures are GOV.UK Pay errors naming the field, and create nothing', async () => {
  const fresh = await newAccount();
  const cases = [
    [{ ...paymentBody(), amount: undefined }, 400, 'P0101', 'amount'],
    [paymentBody({ amount: 0 }), 422, 'P0102', 'amount'],
    [paymentBody({ amount: 10000001 }), 422, 'P0102', 'amount'],
    [paymentBody({ amount: '100' }), 400, 'P0102', 'amount'],
    [paymentBody({ reference: 'x'.repeat(256) }), 422, 'P0102', 'reference'],
    [paymentBody({ return_url: 'not a url' }), 422, 'P0102', 'return_url'],
    [paymentBody({ language: 'fr' }), 422, 'P0102', 'language'],
    [paymentBody({ surprise: 1 }), 400, 'P0104', 'surprise'],
    [paymentBody({ metadata: { nested: { no: 1 } } }), 422, 'P0102', 'metadata'],
  ];
  for (const [body, status, code, field] of cases) {
    const res = await api(fresh.key, '/payments', { method: 'POST', body });
    assert.equal(res.status, status, `${JSON.stringify(body)} → ${res.text}`);
    assert.equal(res.json.code, code, res.text);
    assert.equal(res.json.field, field, res.text);
  }
  const malformed = await api(fresh.key, '/payments', { method: 'POST', raw: '{"amount": 12' });
  assert.equal(malformed.status, 400);
  assert.equal(malformed.json.code, 'P0197');
  const huge = await api(fresh.key, '/payments', { method: 'POST', raw: JSON.stringify({ ...paymentBody(), description: 'x'.repeat(70 * 1024) }) });
  assert.equal(huge.status, 413);
  assert.equal((await api(fresh.key, '/payments')).json.total, 0, 'nothing was created');
});

test('cancel moves a payment to cancelled P0040; a second cancel is 409 P0502', async () => {
  const p = (await api(KEY, '/payments', { method: 'POST', body: paymentBody() })).json;
  const first = await api(KEY, `/payments/${p.payment_id}/cancel`, { method: 'POST' });
  assert.equal(first.status, 204);
  const after = (await api(KEY, `/payments/${p.payment_id}`)).json;
  assert.deepEqual(after.state, { status: 'cancelled', finished: true, code: 'P0040', message: 'Payment was cancelled by the service' });
  assert.equal(after._links.next_url, undefined, 'no next_url once finished');
  assert.equal(after._links.cancel, undefined);
  const second = await api(KEY, `/payments/${p.payment_id}/cancel`, { method: 'POST' });
  assert.equal(second.status, 409);
  assert.equal(second.json.code, 'P0502');
  const missing = await api(KEY, '/payments/abcdefghijklmnopqrstuvwxyz/cancel', { method: 'POST' });
  assert.equal(missing.status, 404);
  assert.equal(missing.json.code, 'P0500');
});

test('capture of a payment that is not capturable is 409 P1003', async () => {
  const p = (await api(KEY, '/payments', { method: 'POST', body: paymentBody({ delayed_capture: true }) })).json;
  const res = await api(KEY, `/payments/${p.payment_id}/capture`, { method: 'POST' });
  assert.equal(res.status, 409);
  assert.equal(res.json.code, 'P1003');
  const missing = await api(KEY, '/payments/abcdefghijklmnopqrstuvwxyz/capture', { method: 'POST' });
  assert.equal(missing.status, 404);
  assert.equal(missing.json.code, 'P1000');
});

test('events list every state change in order', async () => {
  const p = (await api(KEY, '/payments', { method: 'POST', body: paymentBody() })).json;
  await api(KEY, `/payments/${p.payment_id}/cancel`, { method: 'POST' });
  const res = await api(KEY, `/payments/${p.payment_id}/events`);
  assert.equal(res.status, 200);
  assert.equal(res.json.payment_id, p.payment_id);
  assert.deepEqual(res.json.events.map((e) => e.state.status), ['created', 'cancelled']);
  for (const e of res.json.events) {
    assert.equal(e.payment_id, p.payment_id);
    assert.match(e.updated, /Z$/);
    assert.equal(e._links.payment_url.href, `${BASE}/v1/payments/${p.payment_id}`);
  }
  const missing = await api(KEY, '/payments/abcdefghijklmnopqrstuvwxyz/events');
  assert.equal(missing.status, 404);
  assert.equal(missing.json.code, 'P0300');
});

test('refunds on a payment that has not succeeded are refused, and lists are empty', async () => {
  const p = (await api(KEY, '/payments', { method: 'POST', body: paymentBody() })).json;
  const res = await api(KEY, `/payments/${p.payment_id}/refunds`, { method: 'POST', body: { amount: 100 } });
  assert.equal(res.status, 400);
  assert.equal(res.json.code, 'P0603');
  const list = await api(KEY, `/payments/${p.payment_id}/refunds`);
  assert.equal(list.status, 200);
  assert.deepEqual(list.json._embedded.refunds, []);
  assert.equal((await api(KEY, `/payments/${p.payment_id}/refunds/abcdefghijklmnopqrstuvwxyz`)).json.code, 'P0700');
  assert.equal((await api(KEY, '/payments/abcdefghijklmnopqrstuvwxyz/refunds', { method: 'POST', body: { amount: 1 } })).json.code, 'P0600');
});
