// Small clients for the gateway's admin and /v1 APIs, for integration tests.
import { devVars } from './gateway.mjs';

export const BASE = process.env.KASSA_URL;
const ADMIN_TOKEN = devVars().ADMIN_TOKEN;

/** One request to the gateway at `base`; the answer's JSON is `null` when it is not JSON. */
async function request(base, path, { method = 'GET', token, body, headers = {}, raw } = {}) {
  const init = { method, headers: { ...headers } };
  if (token) init.headers.Authorization = `Bearer ${token}`;
  if (raw !== undefined) {
    init.body = raw;
    init.headers['Content-Type'] ??= 'application/json';
  } else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['Content-Type'] = 'application/json';
  }
  const res = await fetch(`${base}${path}`, init);
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  return { status: res.status, headers: res.headers, json, text };
}

const call = (path, opts) => request(BASE, path, opts);

/**
 * The same clients for a gateway a test starts itself: `base` is its URL, or a function
 * giving it (the gateway may start after the module is loaded).
 */
export function clientOf(base) {
  const at = () => (typeof base === 'function' ? base() : base);
  const own = (path, opts) => request(at(), path, opts);
  return {
    call: own,
    admin: (path, opts = {}) => own(`/admin/v1${path}`, { token: ADMIN_TOKEN, ...opts }),
  };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` returns something truthy; the bound only stops a hung test. */
export async function eventually(check, what, ms = 150_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`still waiting for ${what}`);
    await sleep(500);
  }
}

export const admin = (path, opts = {}) => call(`/admin/v1${path}`, { token: ADMIN_TOKEN, ...opts });
export const api = (key, path, opts = {}) => call(`/v1${path}`, { token: key, ...opts });

/** A fresh account with a test key (and optional settings). */
export async function newAccount(settings) {
  const res = await admin('/accounts', { method: 'POST' });
  if (res.status !== 201) throw new Error(`account creation failed: ${res.status} ${res.text}`);
  const account = { id: res.json.account_id, key: res.json.api_key, keyId: res.json.key_id };
  if (settings) {
    const patch = await admin(`/accounts/${account.id}`, { method: 'PATCH', body: settings });
    if (patch.status !== 200) throw new Error(`settings failed: ${patch.status} ${patch.text}`);
  }
  return account;
}

/** Stripe keys in the shape Stripe issues them; no test gateway reaches Stripe with them. */
export const STRIPE_TEST_KEY = 'sk_test_51KassaIntegrationTests000000000000000000000001';
export const STRIPE_LIVE_KEY = 'sk_live_51KassaIntegrationTests000000000000000000000001';

/**
 * A live API key for the account. Only a provider that moves real money takes live
 * payments, so the account is first put on Stripe with a key per mode (test payments then
 * go to Stripe's test mode, live ones to its live mode; no test here pays them).
 */
export async function liveKey(account) {
  for (const secret_key of [STRIPE_TEST_KEY, STRIPE_LIVE_KEY]) {
    const patch = await admin(`/accounts/${account.id}`, {
      method: 'PATCH', body: { payment_provider: 'stripe', provider_credentials: { secret_key } },
    });
    if (patch.status !== 200) throw new Error(`Stripe credentials failed: ${patch.status} ${patch.text}`);
  }
  const res = await admin(`/accounts/${account.id}/keys`, { method: 'POST', body: { live: true } });
  if (res.status !== 201) throw new Error(`key creation failed: ${res.status} ${res.text}`);
  return res.json.api_key;
}

export const paymentBody = (overrides = {}) => ({
  amount: 1450,
  reference: 'INV-2026-001',
  description: 'Pay your council tax',
  return_url: 'https://shop.example/return',
  ...overrides,
});
