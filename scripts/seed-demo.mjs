// Seeds local development state once the gateway is up: a demo merchant account with a test
// API key, and a webhook to the local inbox (scripts/webhook-inbox.mjs) for every event type.
// The account is created once per state directory and remembered there, so every `make dev`
// on the same state prints the same key. Local use only.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [base, stateDir, inboxUrl, shopOrigin] = process.argv.slice(2);
const vars = Object.fromEntries(readFileSync('.dev.vars', 'utf8').split('\n')
  .map((l) => /^([A-Z0-9_]+)=(.*)$/.exec(l.trim())).filter(Boolean).map((m) => [m[1], m[2]]));
const saved = join(stateDir, 'demo-account.json');

async function createDemoAccount() {
  const res = await fetch(`${base}/admin/v1/accounts`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${vars.ADMIN_TOKEN}` },
  });
  if (res.status !== 201) throw new Error(`creating the demo account failed: ${res.status}`);
  const account = await res.json();
  writeFileSync(saved, JSON.stringify(account, null, 2), { mode: 0o600 });
  return account;
}

let account = existsSync(saved) ? JSON.parse(readFileSync(saved, 'utf8')) : null;
if (account) {
  // The state directory may have been wiped without this file: check the key still works.
  const check = await fetch(`${base}/v1/payments?display_size=1`, { headers: { Authorization: `Bearer ${account.api_key}` } });
  if (check.status === 401) account = null;
}
account ??= await createDemoAccount();
if (!account.publishable_keys) {
  // Saved before publishable keys existed: they are derived, so ask for them.
  const res = await fetch(`${base}/admin/v1/accounts/${account.account_id}`, { headers: { Authorization: `Bearer ${vars.ADMIN_TOKEN}` } });
  if (res.ok) {
    account.publishable_keys = (await res.json()).publishable_keys;
    writeFileSync(saved, JSON.stringify(account, null, 2), { mode: 0o600 });
  }
}

/** The demo account's webhook to the inbox, registered once (found again by its URL). */
async function ensureInboxWebhook() {
  const auth = { Authorization: `Bearer ${account.api_key}` };
  const hooks = await (await fetch(`${base}/v1/webhooks`, { headers: auth })).json();
  if (hooks.results?.some((h) => h.callback_url === inboxUrl)) return;
  const res = await fetch(`${base}/v1/webhooks`, {
    method: 'POST',
    headers: { ...auth, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      callback_url: inboxUrl,
      description: 'Local webhook inbox (make dev)',
      subscriptions: ['card_payment_started', 'card_payment_succeeded', 'card_payment_captured',
        'card_payment_refunded', 'card_payment_failed', 'card_payment_expired'],
    }),
  });
  if (res.status !== 201) throw new Error(`registering the inbox webhook failed: ${res.status}`);
}
if (inboxUrl) await ensureInboxWebhook();
// The demo shop's origin may embed the checkout iframe (embedded checkout's frame-ancestors).
if (shopOrigin) {
  const res = await fetch(`${base}/admin/v1/accounts/${account.account_id}`, {
    method: 'PATCH',
    headers: { Authorization: `Bearer ${vars.ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ allowed_origins: [shopOrigin] }),
  });
  if (res.status !== 200) throw new Error(`registering the demo shop's origin failed: ${res.status}`);
}

console.log(`
  Demo account ${account.account_id}; its test API key (keep it local):

    export KASSA_KEY=${account.api_key}

  Create a payment:

    curl -s ${base}/v1/payments -H "Authorization: Bearer $KASSA_KEY" \\
      -H 'Content-Type: application/json' \\
      -d '{"amount":1450,"reference":"INV-1","description":"Council tax","return_url":"https://shop.example/done"}'

  Webhooks: every event of the demo account is delivered to ${inboxUrl ?? 'no inbox'}
  (see its page for headers and signature checks); manage them under ${base}/v1/webhooks.

  More keys and accounts: the admin API at ${base}/admin/v1 with
  'Authorization: Bearer <ADMIN_TOKEN from .dev.vars>'.`);
