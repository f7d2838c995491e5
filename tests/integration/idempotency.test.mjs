// Idempotency-Key on POSTs: replay, conflict, validation, and concurrency.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { api, liveKey, newAccount, paymentBody } from '../support/api.mjs';
import { STATE, stateHits } from '../support/state.mjs';

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

test('stored replies hold no signing secret and no page token in plaintext', { skip: !STATE }, async () => {
  const account = await newAccount();
  const { key } = account;
  const idem = () => ({ 'Idempotency-Key': randomUUID() });
  const hookHeaders = idem();
  const hookBody = { callback_url: 'https://hooks.example/kassa', subscriptions: ['card_payment_captured'] };
  const hook = await api(key, '/webhooks', { method: 'POST', body: hookBody, headers: hookHeaders });
  assert.equal(hook.status, 201, hook.text);
  const rotateHeaders = idem();
  const rotatePath = `/webhooks/${hook.json.webhook_id}/signing-key`;
  const rotated = await api(key, rotatePath, { method: 'POST', body: { overlap_seconds: 60 }, headers: rotateHeaders });
  assert.equal(rotated.status, 200, rotated.text);
  const payHeaders = idem();
  const paid = await api(key, '/payments', { method: 'POST', body: paymentBody(), headers: payHeaders });
  assert.equal(paid.status, 201);
  // Replays still answer byte for byte: the sealed replies open again.
  for (const [path, body, headers, first] of [['/webhooks', hookBody, hookHeaders, hook],
    [rotatePath, { overlap_seconds: 60 }, rotateHeaders, rotated], ['/payments', paymentBody(), payHeaders, paid]]) {
    const again = await api(key, path, { method: 'POST', body, headers });
    assert.equal(again.headers.get('idempotent-replayed'), 'true', path);
    assert.equal(again.text, first.text, path);
  }
  const secrets = [rotated.json.signing_key, rotated.json.previous_signing_key].filter(Boolean);
  assert.equal(secrets.length, 2);
  // A live payment's page token too (what the issue names; test mode is checked above).
  const livePaid = await api(await liveKey(account), '/payments', { method: 'POST', body: paymentBody(), headers: idem() });
  assert.equal(livePaid.status, 201, livePaid.text);
  const tokens = [paid, livePaid].map((p) => p.json._links.next_url.href.split('/secure/')[1]);
  assert.ok(tokens.every(Boolean));
  // The secrets without their `whsec_` prefix too: the base64 part alone is the secret.
  const needles = [...secrets, ...secrets.map((s) => s.replace(/^whsec_/, '')), ...tokens];
  assert.deepEqual(stateHits(needles), []);
});
