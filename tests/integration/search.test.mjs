// Payment and refund search: GOV.UK Pay's filters, paging and links.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, newAccount, paymentBody, BASE } from '../support/api.mjs';

const account = await newAccount();
const KEY = account.key;
const made = [];
for (let i = 0; i < 7; i++) {
  const ref = i % 2 ? `ODD-${i}` : `EVEN-${i}`;
  made.push((await api(KEY, '/payments', { method: 'POST', body: paymentBody({ reference: ref, email: `payer${i}@example.com` }) })).json);
}

test('lists newest first with total, count and paging links', async () => {
  const res = await api(KEY, '/payments?display_size=3');
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.total, 7);
  assert.equal(res.json.count, 3);
  assert.equal(res.json.page, 1);
  assert.deepEqual(res.json.results.map((p) => p.payment_id), made.slice(-3).reverse().map((p) => p.payment_id));
  assert.equal(res.json._links.next_page.href, `${BASE}/v1/payments?display_size=3&page=2`);
  assert.equal(res.json._links.last_page.href, `${BASE}/v1/payments?display_size=3&page=3`);
  assert.equal(res.json._links.prev_page, undefined);
  const last = await api(KEY, '/payments?display_size=3&page=3');
  assert.equal(last.json.count, 1);
  assert.equal((await api(KEY, '/payments?display_size=3&page=4')).status, 404);
});

test('filters by reference, email, state and date', async () => {
  assert.equal((await api(KEY, '/payments?reference=odd-3')).json.total, 1, 'reference is case-insensitive');
  assert.equal((await api(KEY, '/payments?email=payer2')).json.total, 1, 'email matches partially');
  assert.equal((await api(KEY, '/payments?state=created')).json.total, 7);
  await api(KEY, `/payments/${made[0].payment_id}/cancel`, { method: 'POST' });
  const cancelled = await api(KEY, '/payments?state=cancelled');
  assert.deepEqual(cancelled.json.results.map((p) => p.payment_id), [made[0].payment_id]);
  assert.equal((await api(KEY, '/payments?from_date=2099-01-01T00:00:00Z')).json.total, 0);
  assert.equal((await api(KEY, '/payments?to_date=2099-01-01T00:00:00Z')).json.total, 7);
});

test('search results carry search links and GOV.UK Pay fields', async () => {
  const res = await api(KEY, '/payments?display_size=1');
  const p = res.json.results[0];
  assert.equal(p._links.self.href, `${BASE}/v1/payments/${p.payment_id}`);
  assert.ok('refunds' in p._links && 'events' in p._links);
  assert.ok(p.state && p.created_date && p.amount === 1450);
});

test('invalid search parameters are 422 P0401', async () => {
  for (const q of ['display_size=0', 'display_size=501', 'page=0', 'state=paid', 'from_date=yesterday', 'first_digits_card_number=12']) {
    const res = await api(KEY, `/payments?${q}`);
    assert.equal(res.status, 422, q);
    assert.equal(res.json.code, 'P0401', q);
  }
});

test('refund search pages and validates', async () => {
  const res = await api(KEY, '/refunds');
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.total, 0);
  const bad = await api(KEY, '/refunds?display_size=0');
  assert.equal(bad.status, 422);
  assert.equal(bad.json.code, 'P1101');
});
