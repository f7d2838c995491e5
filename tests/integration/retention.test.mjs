// Everything an ordinary client makes an account store has a lifetime, and the account's
// alarm prunes it: page tokens (90 min), payer sessions (2 h), webhook messages with their
// attempts (30 days after their final state). Time cannot be wound on in workerd, so the
// test makes the rows, stops its own gateway, dates them back in the object's SQLite file
// (standing in for the time passing), starts the gateway again on the same state and lets
// one alarm run prune them, counting rows before and after.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { devVars, startGateway } from '../support/gateway.mjs';
import { Payer } from '../support/payer.mjs';
import { paymentBody } from '../support/api.mjs';
import { Receiver } from '../support/webhook-receiver.mjs';
import { alterState, rowCounts } from '../support/state.mjs';

const TABLES = ['page_tokens', 'pay_sessions', 'webhook_messages', 'webhook_attempts'];
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

async function eventually(check, what, ms = 90_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`still waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test('expired page tokens and payer sessions, and old webhook messages, are pruned by the alarm', async () => {
  let gateway = await startGateway({ name: 'retention' });
  const receiver = await new Receiver(() => 200).start();
  const call = async (path, { method = 'GET', body, token } = {}) => {
    const res = await fetch(`${gateway.url}${path}`, {
      method, headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : null };
  };
  try {
    const account = (await call('/admin/v1/accounts', { method: 'POST', token: devVars().ADMIN_TOKEN })).json;
    const key = account.api_key;
    const hook = await call('/v1/webhooks', { method: 'POST', token: key, body: { callback_url: receiver.url, subscriptions: ['card_payment_failed'] } });
    assert.equal(hook.status, 201);
    // Many payments, each opened by a payer (a token used, a session made, another token
    // shown after it) and cancelled (a webhook message, delivered once).
    const N = 12;
    for (let i = 0; i < N; i += 1) {
      const p = (await call('/v1/payments', { method: 'POST', token: key, body: paymentBody() })).json;
      const page = await new Payer({ base: gateway.url }).go(p._links.next_url.href);
      assert.equal(page.status, 200);
      assert.equal((await call(`/v1/payments/${p.payment_id}`, { token: key })).status, 200);
      assert.equal((await call(`/v1/payments/${p.payment_id}/cancel`, { method: 'POST', token: key })).status, 204);
    }
    await eventually(() => receiver.succeeded().length === N, 'every message delivered');
    const made = rowCounts(account.account_id, TABLES, gateway.stateDir);
    assert.deepEqual(made, { page_tokens: 2 * N, pay_sessions: N, webhook_messages: N, webhook_attempts: N });
    await gateway.stop();

    // Long ago: tokens past their 90 minutes, sessions past their 2 hours, messages 31 days
    // after their final state.
    alterState(account.account_id, [
      `UPDATE page_tokens SET created_at = created_at - ${91 * MINUTE}`,
      `UPDATE pay_sessions SET created_at = created_at - ${121 * MINUTE}`,
      `UPDATE webhook_messages SET finished_at = finished_at - ${31 * DAY}, created_at = created_at - ${31 * DAY}`,
      `UPDATE webhook_attempts SET at = at - ${31 * DAY}`,
    ], gateway.stateDir);
    gateway = await startGateway({ name: 'retention', stateDir: gateway.stateDir });
    // One new payment, cancelled: its message wakes the alarm, which prunes everything old
    // and keeps what is new (the new payment's token and its message).
    const fresh = (await call('/v1/payments', { method: 'POST', token: key, body: paymentBody() })).json;
    assert.equal((await call(`/v1/payments/${fresh.payment_id}/cancel`, { method: 'POST', token: key })).status, 204);
    await eventually(() => receiver.succeeded().length === N + 1, 'the new message delivered');
    const kept = await eventually(() => {
      const counts = rowCounts(account.account_id, TABLES, gateway.stateDir);
      return counts.webhook_messages === 1 && counts;
    }, 'the alarm to prune');
    assert.deepEqual(kept, { page_tokens: 1, pay_sessions: 0, webhook_messages: 1, webhook_attempts: 1 });
    // Pruned means gone, not hidden: the old messages are no longer listed.
    const listed = (await call(`/v1/webhooks/${hook.json.webhook_id}/messages`, { token: key })).json;
    assert.equal(listed.total, 1);
  } finally {
    await gateway.stop();
    await receiver.stop();
    rmSync(gateway.stateDir, { recursive: true, force: true });
  }
});
