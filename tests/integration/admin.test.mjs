// The admin API: accounts, keys (shown once, revocable) and account settings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { admin, api, newAccount, BASE, STRIPE_LIVE_KEY } from '../support/api.mjs';

test('admin endpoints refuse a missing or wrong admin token', async () => {
  for (const token of [undefined, 'wrong-token']) {
    const res = await fetch(`${BASE}/admin/v1/accounts`, {
      method: 'POST',
      headers: token ? { Authorization: `Bearer ${token}` } : {},
    });
    assert.equal(res.status, 401);
  }
});

test('creating an account returns its id and a working first test key', async () => {
  const res = await admin('/accounts', { method: 'POST' });
  assert.equal(res.status, 201);
  assert.match(res.json.account_id, /^[a-z2-7]{16}$/);
  assert.match(res.json.api_key, /^api_test_[a-z2-7]+$/);
  assert.ok(res.json.api_key.includes(res.json.account_id), 'the key carries its account');
  const list = await api(res.json.api_key, '/payments');
  assert.equal(list.status, 200);
  assert.equal(list.json.total, 0);
});

test('keys can be issued (test or live) and revoked', async () => {
  // Live keys only for a provider that takes live payments.
  const account = await newAccount({ payment_provider: 'stripe', provider_credentials: { secret_key: STRIPE_LIVE_KEY } });
  const issued = await admin(`/accounts/${account.id}/keys`, { method: 'POST', body: { live: true } });
  assert.equal(issued.status, 201);
  assert.match(issued.json.api_key, /^api_live_/);
  assert.equal(issued.json.live, true);
  assert.equal((await api(issued.json.api_key, '/payments')).status, 200);

  const revoked = await admin(`/accounts/${account.id}/keys/${issued.json.key_id}`, { method: 'DELETE' });
  assert.equal(revoked.status, 204);
  assert.equal((await api(issued.json.api_key, '/payments')).status, 401);
  // The account's other key still works.
  assert.equal((await api(account.key, '/payments')).status, 200);
  assert.equal((await admin(`/accounts/${account.id}/keys/nosuchkey`, { method: 'DELETE' })).status, 404);
  assert.equal((await admin(`/accounts/${account.id}/keys`, { method: 'POST', body: { live: 'yes' } })).status, 422);
});

test('malformed, forged and unknown keys are 401 without touching data', async () => {
  const account = await newAccount();
  const k = account.key;
  const flipped = k.slice(0, -1) + (k.at(-1) === 'a' ? 'b' : 'a');
  for (const key of [undefined, 'nonsense', 'api_test_', flipped, k.replace('api_test_', 'api_live_')]) {
    const res = await api(key, '/payments');
    assert.equal(res.status, 401, String(key));
  }
});

test('account settings are patched with validation and read back', async () => {
  const account = await newAccount();
  const ok = await admin(`/accounts/${account.id}`, {
    method: 'PATCH',
    body: { accepted_card_brands: ['visa', 'master-card'], payment_expiry_minutes: 30, allowed_origins: ['https://shop.example'] },
  });
  assert.equal(ok.status, 200);
  assert.deepEqual(ok.json.accepted_card_brands, ['visa', 'master-card']);
  assert.equal(ok.json.payment_expiry_minutes, 30);
  const bad = await admin(`/accounts/${account.id}`, { method: 'PATCH', body: { payment_expiry_minutes: 0 } });
  assert.equal(bad.status, 422);
  assert.equal(bad.json.field, 'payment_expiry_minutes');
  assert.equal(bad.json.code, 'P0102');
  const read = await admin(`/accounts/${account.id}`);
  assert.equal(read.json.payment_expiry_minutes, 30, 'a rejected patch changed nothing');
  assert.equal((await admin('/accounts/aaaaaaaaaaaaaaaa')).status, 404);
});
