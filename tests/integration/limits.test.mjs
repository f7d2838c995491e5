// Per-account rate limits (GOV.UK Pay's defaults) and payment expiry by alarm.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, newAccount, paymentBody } from '../support/api.mjs';

test('more than 15 POSTs in a second are 429 P0900 with Retry-After, and change nothing', async () => {
  const { key } = await newAccount();
  const results = await Promise.all(Array.from({ length: 30 }, (_, i) =>
    api(key, '/payments', { method: 'POST', body: paymentBody({ reference: `burst-${i}` }) })));
  const limited = results.filter((r) => r.status === 429);
  const created = results.filter((r) => r.status === 201);
  assert.ok(limited.length >= 10, `${limited.length} limited`);
  assert.equal(created.length + limited.length, 30);
  assert.equal(limited[0].json.code, 'P0900');
  assert.match(limited[0].headers.get('retry-after'), /^\d+$/);
  assert.equal((await api(key, '/payments?display_size=500')).json.total, created.length);
});

test('rate limits are per account', async () => {
  const a = await newAccount();
  const b = await newAccount();
  await Promise.all(Array.from({ length: 20 }, () => api(a.key, '/payments', { method: 'POST', body: paymentBody() })));
  const res = await api(b.key, '/payments', { method: 'POST', body: paymentBody() });
  assert.equal(res.status, 201);
});

test('an account\'s configured expiry window expires unfinished payments by alarm', async () => {
  const { key } = await newAccount({ payment_expiry_minutes: 1 });
  const p = (await api(key, '/payments', { method: 'POST', body: paymentBody() })).json;
  const other = (await api(key, '/payments', { method: 'POST', body: paymentBody() })).json;
  await api(key, `/payments/${other.payment_id}/cancel`, { method: 'POST' });
  // The alarm fires at the deadline (60 s); poll rather than sleep a fixed time.
  const deadline = Date.now() + 120_000;
  let state;
  while (Date.now() < deadline) {
    state = (await api(key, `/payments/${p.payment_id}`)).json.state;
    if (state.finished) break;
    await new Promise((r) => setTimeout(r, 2000));
  }
  assert.deepEqual(state, { status: 'failed', finished: true, code: 'P0020', message: 'Payment expired' });
  const events = (await api(key, `/payments/${p.payment_id}/events`)).json.events.map((e) => e.state.status);
  assert.deepEqual(events, ['created', 'failed']);
  // A payment that finished before its deadline is left alone.
  assert.equal((await api(key, `/payments/${other.payment_id}`)).json.state.status, 'cancelled');
});
