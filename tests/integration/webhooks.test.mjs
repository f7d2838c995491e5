// Webhooks end to end through the real runtime: a Node receiver that verifies every delivery
// as a partner would (GOV.UK Pay's snippet, npm standardwebhooks, ed25519), a full payment
// lifecycle with failing first attempts, a gateway restart with messages pending and in
// flight, and signing-secret rotation.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { api, newAccount, paymentBody, liveKey, BASE } from '../support/api.mjs';
import { Payer } from '../support/payer.mjs';
import { devVars, startGateway } from '../support/gateway.mjs';
import { Receiver, verifyEd25519, verifyPaySignature, verifyStandard } from '../support/webhook-receiver.mjs';

const ALL = ['card_payment_started', 'card_payment_succeeded', 'card_payment_captured', 'card_payment_refunded', 'card_payment_failed', 'card_payment_expired'];
const receivers = [];
after(async () => { for (const r of receivers) await r.stop(); });

async function receiver(policy) {
  const r = await new Receiver(policy).start();
  receivers.push(r);
  return r;
}

async function webhookFor(key, url, extra = {}) {
  const res = await api(key, '/webhooks', { method: 'POST', body: { callback_url: url, subscriptions: ALL, ...extra } });
  assert.equal(res.status, 201, res.text);
  const secret = (await api(key, `/webhooks/${res.json.webhook_id}/signing-key`)).json;
  return { ...res.json, secret: secret.signing_key, publicKey: secret.public_key };
}

/** Every check a receiver makes, with the secret it holds. */
function assertVerified(d, secret, publicKey) {
  assert.equal(d.method, 'POST');
  assert.equal(d.headers['content-type'], 'application/json');
  assert.ok(verifyPaySignature(d.body, secret, d.headers['pay-signature']), `Pay-Signature of ${d.id}`);
  assert.ok(verifyStandard(d, secret), `webhook-signature v1 of ${d.id}`);
  assert.ok(verifyEd25519(d, publicKey), `webhook-signature v1a of ${d.id}`);
  assert.equal(d.json.id, d.id, 'webhook-id is the message id');
}

test('a full lifecycle arrives verified, in sequence, after failed first attempts', async () => {
  // 500 to each message's first attempt, 200 from the second on.
  const r = await receiver((_, nth) => (nth === 1 ? 500 : 200));
  const { key, id: accountId } = await newAccount();
  const hook = await webhookFor(key, r.url, { retry_schedule: [1, 1, 1, 1, 1] });
  assert.match(hook.secret, /^whsec_/);
  const published = await fetch(`${BASE}/webhooks/accounts/${accountId}/public-key`);
  assert.equal(published.status, 200);
  assert.equal((await published.json()).public_key, hook.publicKey);
  assert.equal(hook._links.public_key.href, `${BASE}/webhooks/accounts/${accountId}/public-key`);

  // created → started → succeeded (delayed capture) → captured → refunded
  const paid = (await api(key, '/payments', { method: 'POST', body: paymentBody({ delayed_capture: true }) })).json;
  await new Payer().pay(paid._links.next_url.href, '4242424242424242');
  assert.equal((await api(key, `/payments/${paid.payment_id}/capture`, { method: 'POST' })).status, 204);
  assert.equal((await api(key, `/payments/${paid.payment_id}/refunds`, { method: 'POST', body: { amount: 500 } })).status, 202);
  // … and one declined: started → failed
  const declined = (await api(key, '/payments', { method: 'POST', body: paymentBody() })).json;
  await new Payer().pay(declined._links.next_url.href, '4000000000000002');

  const expected = {
    [paid.payment_id]: ['CARD_PAYMENT_STARTED', 'CARD_PAYMENT_SUCCEEDED', 'CARD_PAYMENT_CAPTURED', 'CARD_PAYMENT_REFUNDED'],
    [declined.payment_id]: ['CARD_PAYMENT_STARTED', 'CARD_PAYMENT_FAILED'],
  };
  await r.waitFor('6 successful deliveries', () => r.succeeded().length >= 6);
  const delivered = r.succeeded();
  assert.equal(delivered.length, 6);
  for (const d of r.deliveries) assertVerified(d, hook.secret, hook.publicKey);
  for (const d of delivered) assert.equal(d.nth, 2, 'each message failed once, then succeeded on its retry');

  for (const [paymentId, types] of Object.entries(expected)) {
    const mine = delivered.map((d) => d.json).filter((m) => m.resource_id === paymentId).sort((a, b) => a.sequence - b.sequence);
    assert.deepEqual(mine.map((m) => m.event_type), types, paymentId);
    const sequences = mine.map((m) => m.sequence);
    assert.ok(sequences.every((s, i) => i === 0 || s > sequences[i - 1]), `increasing sequence: ${sequences}`);
    for (const m of mine) {
      assert.deepEqual(Object.keys(m), ['id', 'api_version', 'created_date', 'resource_id', 'resource_type', 'event_type', 'sequence', 'resource']);
      assert.equal(m.api_version, 1);
      assert.equal(m.resource_type, 'PAYMENT');
      assert.equal(m.resource.payment_id, paymentId);
      assert.match(m.created_date, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
  }
  const captured = delivered.find((d) => d.json.event_type === 'CARD_PAYMENT_CAPTURED').json.resource;
  assert.equal(captured.state.status, 'success');
  assert.equal(captured.card_details.last_digits_card_number, '4242');
  const refunded = delivered.find((d) => d.json.event_type === 'CARD_PAYMENT_REFUNDED').json.resource;
  assert.equal(refunded.refund_summary.amount_submitted, 500);

  // The API shows the same history: every message successful after 2 attempts.
  const list = (await api(key, `/webhooks/${hook.webhook_id}/messages?status=successful`)).json;
  assert.equal(list.total, 6);
  const one = list.results[0];
  const detail = (await api(key, `/webhooks/${hook.webhook_id}/messages/${one.message_id}`)).json;
  assert.equal(detail.status, 'successful');
  assert.deepEqual(detail.delivery_attempts.map((a) => [a.attempt, a.status_code, a.result]), [[1, 500, 'failed'], [2, 200, 'successful']]);
  assert.ok(detail.delivery_attempts.every((a) => Number.isInteger(a.response_time_ms) && a.response_time_ms >= 0));
  assert.equal(detail.body.id, one.message_id);
  const raw = (await api(key, `/webhooks/${hook.webhook_id}/messages/${one.message_id}`)).text;
  assert.ok(raw.includes(`"body":${delivered.find((d) => d.id === one.message_id).body}`), 'the body shown is byte for byte the body sent');
  const attempts = (await api(key, `/webhooks/${hook.webhook_id}/messages/${one.message_id}/attempts`)).json;
  assert.deepEqual(attempts.results, detail.delivery_attempts);
  assert.equal((await api(key, `/webhooks/${hook.webhook_id}/messages?status=pending`)).json.total, 0);
});

test('inactive webhooks record will_not_send; resend delivers the same message again', async () => {
  const r = await receiver(() => 204);
  const { key } = await newAccount();
  const hook = await webhookFor(key, r.url, { subscriptions: ['card_payment_failed'] });
  const off = await api(key, `/webhooks/${hook.webhook_id}`, { method: 'PATCH', body: { status: 'inactive' } });
  assert.equal(off.json.status, 'inactive');
  const p = (await api(key, '/payments', { method: 'POST', body: paymentBody() })).json;
  await api(key, `/payments/${p.payment_id}/cancel`, { method: 'POST' });
  const skipped = (await api(key, `/webhooks/${hook.webhook_id}/messages?status=will_not_send`)).json;
  assert.equal(skipped.total, 1);
  const mid = skipped.results[0].message_id;
  const refused = await api(key, `/webhooks/${hook.webhook_id}/messages/${mid}/resend`, { method: 'POST' });
  assert.equal(refused.status, 422);
  assert.equal(refused.json.code, 'P0102');

  await api(key, `/webhooks/${hook.webhook_id}`, { method: 'PATCH', body: { status: 'active' } });
  const resent = await api(key, `/webhooks/${hook.webhook_id}/messages/${mid}/resend`, { method: 'POST' });
  assert.equal(resent.status, 202);
  assert.equal(resent.json.status, 'pending');
  await r.waitFor('the resent message', () => r.succeeded().length === 1);
  assert.equal(r.deliveries[0].id, mid);
  assert.equal(r.deliveries[0].json.event_type, 'CARD_PAYMENT_FAILED');
  assertVerified(r.deliveries[0], hook.secret, hook.publicKey);
  await api(key, `/webhooks/${hook.webhook_id}/messages/${mid}/resend`, { method: 'POST' });
  await r.waitFor('a second delivery', () => r.deliveries.length === 2);
  assert.equal(r.deliveries[1].body, r.deliveries[0].body, 'a resend carries the same body');
});

test('callback URL rules: https and public hosts for live keys, no credentials anywhere', async () => {
  const account = await newAccount();
  const live = await liveKey(account);
  const create = (key, url) => api(key, '/webhooks', { method: 'POST', body: { callback_url: url, subscriptions: ['card_payment_captured'] } });
  for (const url of ['http://hooks.shop.example/', 'https://127.1/', 'https://[::ffff:169.254.169.254]/', 'https://localhost/x', 'https://10.1.2.3/']) {
    const res = await create(live, url);
    assert.equal(res.status, 422, url);
    assert.equal(res.json.field, 'callback_url');
  }
  assert.equal((await create(live, 'https://u:p@hooks.shop.example/')).status, 422);
  assert.equal((await create(account.key, 'http://u:p@127.0.0.1/')).status, 422);
  assert.equal((await create(live, 'https://hooks.shop.example/pay')).status, 201);
  // Test and live keys see only their own webhooks.
  assert.equal((await api(live, '/webhooks')).json.count, 1);
  assert.equal((await api(account.key, '/webhooks')).json.count, 0);
});

test('rotation: during the overlap both secrets verify, after it only the new one', async () => {
  const r = await receiver(() => 200);
  const { key } = await newAccount();
  const hook = await webhookFor(key, r.url, { subscriptions: ['card_payment_failed'] });
  const event = async () => {
    const p = (await api(key, '/payments', { method: 'POST', body: paymentBody() })).json;
    await api(key, `/payments/${p.payment_id}/cancel`, { method: 'POST' });
  };
  const OVERLAP_S = 8;
  const rotated = await api(key, `/webhooks/${hook.webhook_id}/signing-key`, { method: 'POST', body: { overlap_seconds: OVERLAP_S } });
  assert.equal(rotated.status, 200);
  const { signing_key: fresh, previous_signing_key: old, previous_signing_key_expires_date: until } = rotated.json;
  assert.equal(old, hook.secret);
  assert.notEqual(fresh, old);
  assert.equal((await api(key, `/webhooks/${hook.webhook_id}/signing-key`)).json.signing_key, fresh);
  const overlapEnds = Date.parse(until) / 1000;

  await event();
  const [during] = await r.waitFor('a delivery during the overlap', (ds) => ds.length === 1);
  assert.ok(Number(during.headers['webhook-timestamp']) < overlapEnds, 'sent during the overlap');
  assert.ok(verifyStandard(during, old), 'old secret verifies during the overlap');
  assert.ok(verifyStandard(during, fresh), 'new secret verifies during the overlap');
  assert.ok(verifyPaySignature(during.body, old, during.headers['pay-signature']), 'Pay-Signature keeps the old secret during the overlap');
  assert.ok(verifyEd25519(during, hook.publicKey));

  // Wait out the overlap (the gateway's clock decides; the header shows which side we are on).
  await new Promise((ok) => setTimeout(ok, Math.max(0, Date.parse(until) - Date.now()) + 1000));
  await event();
  const [, later] = await r.waitFor('a delivery after the overlap', (ds) => ds.length === 2);
  assert.ok(Number(later.headers['webhook-timestamp']) >= overlapEnds, 'sent after the overlap');
  assert.ok(verifyStandard(later, fresh), 'new secret verifies after the overlap');
  assert.ok(!verifyStandard(later, old), 'old secret no longer verifies');
  assert.ok(verifyPaySignature(later.body, fresh, later.headers['pay-signature']));
  assert.ok(!verifyPaySignature(later.body, old, later.headers['pay-signature']));
  assert.equal(later.headers['webhook-signature'].split(' ').length, 2, 'one v1 and one v1a entry');
  assert.equal((await api(key, `/webhooks/${hook.webhook_id}/signing-key`)).json.previous_signing_key, null);
});

test('a restart with messages pending and in flight loses nothing', async () => {
  // Its own gateway, so stopping it disturbs no other test.
  let gateway = await startGateway({ name: 'webhooks-restart' });
  const adminToken = devVars().ADMIN_TOKEN;
  const call = async (path, { method = 'GET', body, token } = {}) => {
    const res = await fetch(`${gateway.url}${path}`, {
      method, headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : null };
  };
  let phase = 'before';
  // Before the restart: 500 to a first attempt, and a second attempt is held open (the
  // gateway dies while it is in flight). After the restart: 200.
  const r = await receiver((_, nth) => (phase === 'after' ? 200 : nth === 1 ? 500 : 'hold'));
  try {
    const account = (await call('/admin/v1/accounts', { method: 'POST', token: adminToken })).json;
    const key = account.api_key;
    const created = await call('/v1/webhooks', { method: 'POST', token: key, body: { callback_url: r.url, subscriptions: ['card_payment_failed'], retry_schedule: [1, 2, 3, 5, 8, 13, 21, 34] } });
    assert.equal(created.status, 201);
    const hookId = created.json.webhook_id;
    const N = 5;
    for (let i = 0; i < N; i++) {
      const p = (await call('/v1/payments', { method: 'POST', token: key, body: paymentBody() })).json;
      assert.equal((await call(`/v1/payments/${p.payment_id}/cancel`, { method: 'POST', token: key })).status, 204);
    }
    // Every message has failed once and has a retry in flight when the gateway stops.
    await r.waitFor('a held retry of every message', (ds) => new Set(ds.filter((d) => d.answer === 'hold').map((d) => d.id)).size === N);
    const pending = (await call(`/v1/webhooks/${hookId}/messages?status=pending`, { token: key })).json;
    assert.equal(pending.total, N);
    const ids = new Set(pending.results.map((m) => m.message_id));
    await gateway.stop();

    phase = 'after';
    gateway = await startGateway({ name: 'webhooks-restart', stateDir: gateway.stateDir });
    // Nothing pokes the account: its alarm alone must bring the messages back.
    await r.waitFor('every message delivered after the restart', () => r.succeeded().length === N, 90_000);
    const delivered = r.succeeded();
    assert.deepEqual(new Set(delivered.map((d) => d.id)), ids, 'exactly the pending messages, none lost');
    const duplicates = r.deliveries.length - ids.size;
    console.log(`restart: ${N} messages, ${r.deliveries.length} requests, ${duplicates} repeats (failed, held or resent)`);
    assert.ok(r.deliveries.every((d) => ids.has(d.id)));
    const { signing_key: secret, public_key: publicKey } = (await call(`/v1/webhooks/${hookId}/signing-key`, { token: key })).json;
    for (const d of r.deliveries) assertVerified(d, secret, publicKey);
    const done = (await call(`/v1/webhooks/${hookId}/messages?status=successful`, { token: key })).json;
    assert.equal(done.total, N);
  } finally {
    await gateway.stop();
    rmSync(gateway.stateDir, { recursive: true, force: true });
  }
});

test('the admin pages manage webhooks with the API key as Basic password', async () => {
  const { key } = await newAccount();
  const auth = { Authorization: `Basic ${Buffer.from(`me:${key}`).toString('base64')}` };
  const origin = new URL(BASE).origin;
  assert.equal((await fetch(`${BASE}/admin/webhooks`)).status, 401);
  assert.equal((await fetch(`${BASE}/admin/webhooks`, { headers: { Authorization: `Basic ${Buffer.from('me:api_test_nope').toString('base64')}` } })).status, 401);
  const form = 'callback_url=https%3A%2F%2Fhooks.shop.example%2Fk&description=Orders&subscriptions=card_payment_failed';
  const post = (path, body, headers = {}) => fetch(`${BASE}/admin/webhooks${path}`, {
    method: 'POST', redirect: 'manual', body, headers: { ...auth, 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
  });
  assert.equal((await post('', form)).status, 403, 'a form from another site is refused');
  assert.equal((await api(key, '/webhooks')).json.count, 0);
  const created = await post('', form, { Origin: origin });
  assert.equal(created.status, 303);
  const [hook] = (await api(key, '/webhooks')).json.results;
  assert.equal(created.headers.get('location'), `/admin/webhooks/${hook.webhook_id}`);
  assert.deepEqual(hook.subscriptions, ['card_payment_failed']);
  const page = await fetch(`${BASE}/admin/webhooks/${hook.webhook_id}`, { headers: auth });
  assert.equal(page.status, 200);
  assert.match(await page.text(), /Deactivate webhook/);
  assert.equal((await post(`/${hook.webhook_id}/status`, 'status=inactive', { Origin: origin })).status, 303);
  assert.equal((await api(key, `/webhooks/${hook.webhook_id}`)).json.status, 'inactive');
  const bad = await post('', 'callback_url=ftp%3A%2F%2Fx&subscriptions=card_payment_failed', { Origin: origin });
  assert.equal(bad.status, 422);
  assert.match(await bad.text(), /There is a problem/);
  const secretPage = await (await fetch(`${BASE}/admin/webhooks/${hook.webhook_id}/signing-key`, { headers: auth })).text();
  assert.ok(secretPage.includes((await api(key, `/webhooks/${hook.webhook_id}/signing-key`)).json.signing_key));
});

test('a receiver that never answers holds back no other webhook: a new message goes in the next run', async () => {
  // 19 webhooks (an account has at most 20 per mode) at a receiver that never answers,
  // retrying every second: 76 messages (4 per webhook), always more than a batch of 20 due.
  // The 20th webhook gets one new message.
  const hole = await receiver(() => 'hold');
  const good = await receiver(() => 200);
  const { key } = await newAccount({ rate_limits: { post_per_second: 1000, other_per_second: 1000 } });
  const ten = Array.from({ length: 10 }, () => 1);
  for (let i = 0; i < 19; i += 1) await webhookFor(key, hole.url, { retry_schedule: ten });
  const paid = (await api(key, '/payments', { method: 'POST', body: paymentBody({ delayed_capture: true }) })).json;
  await new Payer().pay(paid._links.next_url.href, '4242424242424242');
  assert.equal((await api(key, `/payments/${paid.payment_id}/capture`, { method: 'POST' })).status, 204);
  assert.equal((await api(key, `/payments/${paid.payment_id}/refunds`, { method: 'POST', body: { amount: 100 } })).status, 202);
  // Every held message has been tried at least once: from now on each run has retries due
  // that are older than anything new.
  await hole.waitFor('76 held messages', (d) => new Set(d.map((x) => x.id)).size >= 76, 120_000);
  const hook = await webhookFor(key, good.url, { subscriptions: ['card_payment_started'] });
  const other = (await api(key, '/payments', { method: 'POST', body: paymentBody() })).json;
  await new Payer().pay(other._links.next_url.href, '4242424242424242');
  // Runs send together and start one after the other: once a run after the new message
  // has sent 19 held requests, the new message must be claimed or sent. (Oldest-first, it
  // waited behind 36 older retries: two more runs.)
  const before = hole.deliveries.length;
  await hole.waitFor('the next run', (d) => d.length >= before + 19, 60_000);
  const [message] = (await api(key, `/webhooks/${hook.webhook_id}/messages`)).json.results;
  assert.equal(message.event_type.toLowerCase(), 'card_payment_started');
  const claimed = Date.parse(message.next_attempt_date ?? 0) - Date.parse(message.created_date) >= 20_000;
  assert.ok(message.attempts >= 1 || message.status === 'successful' || claimed, JSON.stringify(message));
});
