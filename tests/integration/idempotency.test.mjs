// Idempotency-Key on POSTs: replay, conflict, validation, and concurrency.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { api, newAccount, paymentBody } from '../support/api.mjs';

test('the same key and body replays the first response, marked as replayed', async () => {
  const { key } = await newAccount();
  const headers = { 'Idempotency-Key': randomUUID() };
  const first = await api(key, '/payments', { method: 'POST', body: paymentBody(), headers });
  const again = await api(key, '/payments', { method: 'POST', body: paymentBody(), headers });
  assert.equal(first.status, 201);
  assert.equal(again.status, 201);
  assert.equal(first.headers.get('idempotent-replayed'), null);
  assert.equal(again.headers.get('idempotent-replayed'), 'true');
  assert.equal(again.text, first.text);
  assert.equal((await api(key, '/payments')).json.total, 1);
});

test('the same key with a different body is 409 P0191 naming the header', async () => {
  const { key } = await newAccount();
  const headers = { 'Idempotency-Key': randomUUID() };
  await api(key, '/payments', { method: 'POST', body: paymentBody(), headers });
  const res = await api(key, '/payments', { method: 'POST', body: paymentBody({ amount: 999 }), headers });
  assert.equal(res.status, 409);
  assert.equal(res.json.code, 'P0191');
  assert.equal(res.json.header, 'Idempotency-Key');
  assert.equal((await api(key, '/payments')).json.total, 1);
});

test('malformed keys are 422 with header set, and create nothing', async () => {
  const { key } = await newAccount();
  for (const bad of ['tab\there', 'x'.repeat(256)]) {
    const res = await api(key, '/payments', { method: 'POST', body: paymentBody(), headers: { 'Idempotency-Key': bad } });
    assert.equal(res.status, 422, bad);
    assert.equal(res.json.header, 'Idempotency-Key');
  }
  assert.equal((await api(key, '/payments')).json.total, 0);
});

test('a rejected request is not recorded: a corrected retry under the same key runs', async () => {
  const { key } = await newAccount();
  const headers = { 'Idempotency-Key': randomUUID() };
  const bad = await api(key, '/payments', { method: 'POST', body: paymentBody({ amount: 0 }), headers });
  assert.equal(bad.status, 422);
  const good = await api(key, '/payments', { method: 'POST', body: paymentBody(), headers });
  assert.equal(good.status, 201);
});

test('50 parallel creates with one key make exactly one payment and 50 identical answers', async () => {
  const { key } = await newAccount();
  const headers = { 'Idempotency-Key': randomUUID() };
  const results = await Promise.all(Array.from({ length: 50 }, () =>
    api(key, '/payments', { method: 'POST', body: paymentBody(), headers })));
  assert.deepEqual([...new Set(results.map((r) => r.status))], [201]);
  assert.equal(new Set(results.map((r) => r.text)).size, 1, 'identical bodies');
  assert.equal(results.filter((r) => r.headers.get('idempotent-replayed') !== 'true').length, 1);
  assert.equal((await api(key, '/payments')).json.total, 1);
});

test('10 parallel cancels cancel once; the rest are refused or replayed', async () => {
  const { key } = await newAccount();
  const p = (await api(key, '/payments', { method: 'POST', body: paymentBody() })).json;
  const results = await Promise.all(Array.from({ length: 10 }, () =>
    api(key, `/payments/${p.payment_id}/cancel`, { method: 'POST' })));
  assert.equal(results.filter((r) => r.status === 204).length, 1);
  assert.equal(results.filter((r) => r.status === 409).length, 9);
  const events = (await api(key, `/payments/${p.payment_id}/events`)).json.events;
  assert.equal(events.filter((e) => e.state.status === 'cancelled').length, 1);
});
