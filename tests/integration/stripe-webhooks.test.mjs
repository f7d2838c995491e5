// Stripe's webhooks into Kassa (`POST /providers/stripe/{account}/notifications`), through
// the real runtime: a gateway of its own whose STRIPE_API_BASE points at the fake Stripe
// (tests/support/fake-stripe.mjs), which also signs and posts the events as Stripe does
// (Node's crypto, so the signature is checked against an independent implementation).
// The webhook secret is set beside the key (same slot, same fingerprint) and shown masked.
// A confirmation whose answer is lost is resolved by `payment_intent.amount_capturable_
// updated` before any status query (a hosted payment is then submitted, a sealed card is
// confirmed and captured, also when the event comes while Kassa's confirmation is still
// out); a repeat, or an older event after a newer one, changes nothing;
// a forged signature, a stale timestamp, the other mode's claim or no signature is 401 and
// changes nothing, and a flood of them is 429 while real events still pass; a dispute is
// acknowledged and ignored, an unknown payment acknowledged; a refund whose answer was lost
// is confirmed by `refund.updated`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startGateway, devVars } from '../support/gateway.mjs';
import { startFakeStripe } from '../support/fake-stripe.mjs';
import { Payer } from '../support/payer.mjs';
import { paymentBody, clientOf } from '../support/api.mjs';
import { core } from '../support/core.mjs';

const SECRET_KEY = 'sk_test_51KassaWebhookTestsKey0000000000000000000000005678';
const LIVE_KEY = 'sk_live_51KassaWebhookTestsKey0000000000000000000000005678';
const WEBHOOK_SECRET = `whsec_${randomBytes(24).toString('hex')}`;
const LIVE_WEBHOOK_SECRET = `whsec_${randomBytes(24).toString('hex')}`;
const ADMIN_TOKEN = devVars().ADMIN_TOKEN;
let stripe;
let gateway;
let account;

const { call } = clientOf(() => gateway.url);
const admin = (path, opts = {}) => call(`/admin/v1${path}`, { token: ADMIN_TOKEN, ...opts });
const api = (path, opts = {}) => call(`/v1${path}`, { token: account.key, ...opts });
const payment = async (id) => (await api(`/payments/${id}`)).json;
const events = async (id) => (await api(`/payments/${id}/events`)).json.events;
const endpoint = () => `${gateway.url}/providers/stripe/${account.id}/notifications`;
/** Posts an event about `object`, signed with the account's test secret unless told. */
const webhook = (type, object, opts = {}) => stripe.webhook(endpoint(), type, object, WEBHOOK_SECRET, opts);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Polls until `check` returns something truthy (the log is written asynchronously); the bound only stops a hung test. */
async function eventually(check, what) {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`still waiting for ${what}`);
    await sleep(200);
  }
}
const intentOf = (paymentId) => [...stripe.intents.values()].find((i) => i.metadata.kassa_payment_id === paymentId);
const gets = (pi) => stripe.for(pi).filter((r) => r.method === 'GET');
const posts = (pi, suffix) => stripe.for(pi).filter((r) => r.method === 'POST' && r.path.endsWith(suffix));

async function sealedCard(number = '4242424242424242') {
  const preview = await (await fetch(`${gateway.url}/checkout/preview`)).text();
  const gatewayKey = /data-kassa-key="([^"]+)"/.exec(preview)[1];
  return core.seal_card_for(gatewayKey, number, '123', `publishable:${account.pk}`, Date.now(), randomBytes(32));
}

/** Everything a refused notification must leave as it was. */
async function snapshot(paymentId) {
  const p = await payment(paymentId);
  return { state: p.state, refund_summary: p.refund_summary, events: (await events(paymentId)).length };
}

before(async () => {
  stripe = await startFakeStripe({ secretKey: SECRET_KEY, otherKeys: [LIVE_KEY] });
  gateway = await startGateway({ name: 'gateway-stripe-webhooks', vars: { STRIPE_API_BASE: stripe.url } });
  const created = await admin('/accounts', { method: 'POST' });
  account = { id: created.json.account_id, key: created.json.api_key, pk: created.json.publishable_keys.test };
  const set = await admin(`/accounts/${account.id}`, {
    method: 'PATCH', body: { payment_provider: 'stripe', provider_credentials: { secret_key: SECRET_KEY } },
  });
  assert.equal(set.status, 200, set.text);
});

after(async () => {
  await gateway?.stop();
  await stripe?.close();
});

let early; // a payment made before the webhook secret was set

test('the webhook secret goes beside the key: same credentials for payments already made, shown masked', async () => {
  early = (await api('/payments', { method: 'POST', body: paymentBody({ reference: 'BEFORE-SECRET', delayed_capture: true }) })).json;
  assert.equal((await new Payer({ base: gateway.url }).pay(early._links.next_url.href, '4242424242424242')).status, 303);
  assert.equal((await payment(early.payment_id)).state.status, 'capturable');

  // Without a secret, no notification can be verified: refused, nothing read.
  const unconfigured = await webhook('payment_intent.succeeded', intentOf(early.payment_id));
  assert.equal(unconfigured.status, 400, unconfigured.text);

  const bad = await admin(`/accounts/${account.id}`, { method: 'PATCH', body: { provider_credentials: { secret_key: SECRET_KEY, webhook_secret: 'not-a-secret' } } });
  assert.equal(bad.status, 422, bad.text);
  const set = await admin(`/accounts/${account.id}`, { method: 'PATCH', body: { provider_credentials: { secret_key: SECRET_KEY, webhook_secret: WEBHOOK_SECRET } } });
  assert.equal(set.status, 200, set.text);
  assert.deepEqual(set.json.configured_credentials, {
    stripe: { test: { secret_key: 'sk_test_…5678', webhook_secret: `…${WEBHOOK_SECRET.slice(-4)}` } },
  });
  assert.ok(!set.text.includes(WEBHOOK_SECRET.slice(6, -4)), 'never echoed');
  // The live slot, with a secret of its own (for the wrong-mode test below).
  const live = await admin(`/accounts/${account.id}`, { method: 'PATCH', body: { provider_credentials: { secret_key: LIVE_KEY, webhook_secret: LIVE_WEBHOOK_SECRET } } });
  assert.equal(live.status, 200, live.text);
  assert.deepEqual(Object.keys(live.json.configured_credentials.stripe).sort(), ['live', 'test']);

  // The payment made before is still served by the same credentials (the fingerprint is
  // the key's only): captured with its key.
  assert.equal((await api(`/payments/${early.payment_id}/capture`, { method: 'POST' })).status, 204);
  const captured = await payment(early.payment_id);
  assert.equal(captured.refund_summary.status, 'available', 'captured');
  assert.equal(posts(captured.provider_id, '/capture').length, 1);
  assert.ok(!gateway.log().includes(WEBHOOK_SECRET.slice(6)), 'never logged');
});

test('a lost confirmation of a hosted payment is resolved by the webhook before any status query', async () => {
  const p = (await api('/payments', { method: 'POST', body: paymentBody({ reference: 'HOSTED-LOST' }) })).json;
  stripe.inject('confirm', 'hang');
  const page = await new Payer({ base: gateway.url }).pay(p._links.next_url.href, '4242424242424242', { confirm: false });
  assert.match(page.html, /being processed/);
  assert.deepEqual((await payment(p.payment_id)).state, { status: 'started', finished: false });
  const pi = intentOf(p.payment_id);
  assert.equal(pi.status, 'requires_capture', 'Stripe holds the money');

  const res = await webhook('payment_intent.amount_capturable_updated', pi);
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.json, { received: true });
  const now = await payment(p.payment_id);
  assert.deepEqual(now.state, { status: 'submitted', finished: false });
  assert.equal(now.provider_id, pi.id);
  assert.equal(gets(pi.id).length, 0, 'no status query was needed');
  assert.equal(stripe.confirmations.get(pi.id), 1);

  // Stripe repeats it (same event id): nothing changes.
  const count = (await events(p.payment_id)).length;
  const repeat = await webhook('payment_intent.amount_capturable_updated', pi, { id: res.event.id });
  assert.equal(repeat.status, 200, repeat.text);
  assert.equal((await events(p.payment_id)).length, count);
  // An event Kassa cannot act on in this state (the hold's release, while it is held and
  // nobody asked to release it) changes nothing either.
  const stray = await webhook('payment_intent.canceled', { ...pi, status: 'canceled' });
  assert.equal(stray.status, 200, stray.text);
  assert.equal((await events(p.payment_id)).length, count);
  assert.deepEqual((await payment(p.payment_id)).state, { status: 'submitted', finished: false });
});

let sealedPayment; // captured by the webhook's confirmation, refunded below

test('a lost confirmation of a sealed card: the webhook authorises, confirms and captures it once; repeats and older events change nothing', async () => {
  const sealed = await sealedCard();
  stripe.inject('confirm', 'hang');
  const res = await api('/payments', { method: 'POST', body: paymentBody({ reference: 'SEALED-LOST', sealed_card: sealed }) });
  assert.equal(res.status, 201, res.text);
  assert.deepEqual(res.json.state, { status: 'started', finished: false });
  const pi = intentOf(res.json.payment_id);
  assert.equal(pi.status, 'requires_capture');

  const authorised = await webhook('payment_intent.amount_capturable_updated', pi);
  assert.equal(authorised.status, 200, authorised.text);
  const done = await payment(res.json.payment_id);
  assert.deepEqual(done.state, { status: 'success', finished: true });
  assert.equal(done.refund_summary.status, 'available', 'captured');
  assert.equal(gets(pi.id).length, 0, 'no status query was needed');
  assert.equal(stripe.confirmations.get(pi.id), 1, 'confirmed once');
  assert.equal(posts(pi.id, '/capture').length, 1, 'captured once');
  assert.equal(stripe.intents.get(pi.id).status, 'succeeded');

  const count = (await events(res.json.payment_id)).length;
  // The capture's own event, then the authorisation again, delivered late under a new id:
  // the table has nothing for them to do.
  const succeeded = await webhook('payment_intent.succeeded', stripe.intents.get(pi.id));
  assert.equal(succeeded.status, 200);
  const late = await webhook('payment_intent.amount_capturable_updated', { ...stripe.intents.get(pi.id), status: 'requires_capture' });
  assert.equal(late.status, 200);
  const again = await webhook('payment_intent.amount_capturable_updated', pi, { id: authorised.event.id });
  assert.equal(again.status, 200);
  assert.equal((await events(res.json.payment_id)).length, count);
  assert.equal(posts(pi.id, '/capture').length, 1, 'still captured once');
  sealedPayment = await payment(res.json.payment_id);
});

test('a webhook that authorises a sealed card while its confirmation is still out: the capture it queues survives the confirmation\'s end', async () => {
  const sealed = await sealedCard();
  stripe.inject('confirm', 'hang');
  stripe.inject('capture', 'hang');
  const creating = api('/payments', { method: 'POST', body: paymentBody({ reference: 'SEALED-RACE', sealed_card: sealed }) });
  // Stripe has authorised (the confirmation is processed, its answer never comes) and
  // sends its event at once, while Kassa still waits for the answer.
  const pi = await eventually(() => {
    const found = [...stripe.intents.values()].find((i) => i.metadata.reference === 'SEALED-RACE');
    return found && stripe.confirmations.get(found.id) === 1 && found;
  }, 'the confirmation');
  const notified = webhook('payment_intent.amount_capturable_updated', pi);
  // The confirmation times out first, while the capture the webhook queued is still out
  // (its answer lost too): the capture's job must not go with the confirmation's.
  const res = await creating;
  assert.equal(res.status, 201, res.text);
  assert.equal((await notified).status, 200);
  const done = await eventually(async () => {
    const now = await payment(res.json.payment_id);
    return now.state.status === 'success' && now.refund_summary.status === 'available' && now;
  }, 'the capture, retried by the alarm');
  assert.equal(done.provider_id, pi.id);
  assert.equal(stripe.confirmations.get(pi.id), 1, 'confirmed once');
  assert.equal(stripe.intents.get(pi.id).status, 'succeeded');
});

test('forged, stale, unsigned and wrong-mode notifications are 401 and change nothing; a flood is 429 and real events still pass', async () => {
  const p = (await api('/payments', { method: 'POST', body: paymentBody({ reference: 'FORGED' }) })).json;
  stripe.inject('confirm', 'hang');
  await new Payer({ base: gateway.url }).pay(p._links.next_url.href, '4242424242424242', { confirm: false });
  const pi = intentOf(p.payment_id);
  const before = await snapshot(p.payment_id);
  assert.deepEqual(before.state, { status: 'started', finished: false });

  const t = Math.floor(Date.now() / 1000);
  const forgeries = {
    'another secret': { signWith: `whsec_${randomBytes(24).toString('hex')}` },
    'the live secret': { signWith: LIVE_WEBHOOK_SECRET },
    'ten minutes old': { timestamp: t - 600 },
    'ten minutes ahead': { timestamp: t + 600 },
    unsigned: { signature: null },
    'a bare signature': { signature: 'v1=00' },
    'live, signed with the test secret': { livemode: true },
  };
  for (const [what, opts] of Object.entries(forgeries)) {
    const res = await webhook('payment_intent.amount_capturable_updated', pi, opts);
    assert.equal(res.status, 401, `${what}: ${res.text}`);
    assert.equal(res.json.code, 'P0920', what);
    assert.match(res.json.description, /signature/i, what);
  }
  assert.deepEqual(await snapshot(p.payment_id), before, 'nothing changed');
  // Not Stripe's at all.
  const junk = await fetch(endpoint(), { method: 'POST', headers: { 'Stripe-Signature': `t=${t},v1=${'0'.repeat(64)}` }, body: 'hello' });
  assert.equal(junk.status, 400);
  // Another provider, account or path: not found.
  for (const path of [`/providers/paypal/${account.id}/notifications`, `/providers/stripe/${account.id}/other`]) {
    assert.equal((await fetch(`${gateway.url}${path}`, { method: 'POST', body: '{}' })).status, 404, path);
  }

  // A flood of forgeries empties the account's failed-authentication bucket: 429...
  let limited = null;
  for (let i = 0; i < 200 && !limited; i += 1) {
    const res = await webhook('payment_intent.amount_capturable_updated', pi, { signWith: 'whsec_forged' });
    if (res.status === 429) limited = res;
    else assert.equal(res.status, 401);
  }
  assert.ok(limited, 'the flood is rate limited');
  assert.equal(limited.json.code, 'P0900');
  assert.ok(Number(limited.headers.get('Retry-After')) >= 1);
  assert.deepEqual(await snapshot(p.payment_id), before, 'nothing changed');
  // ...and Stripe's own events still pass.
  const real = await webhook('payment_intent.amount_capturable_updated', pi);
  assert.equal(real.status, 200, real.text);
  assert.deepEqual((await payment(p.payment_id)).state, { status: 'submitted', finished: false });
});

test('a dispute is acknowledged and ignored; an event about an unknown payment is acknowledged', async () => {
  const before = await snapshot(sealedPayment.payment_id);
  const dispute = {
    id: 'dp_fake000001', object: 'dispute', amount: 1450, charge: `ch_${sealedPayment.provider_id.slice(3)}`,
    currency: 'gbp', payment_intent: sealedPayment.provider_id, reason: 'fraudulent', status: 'needs_response', metadata: {}, livemode: false,
  };
  const res = await webhook('charge.dispute.created', dispute);
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.json, { received: true });
  assert.deepEqual(await snapshot(sealedPayment.payment_id), before);
  const logged = `stripe notification ${res.event.id} (charge.dispute.created, test) acknowledged, not acted on`;
  await eventually(() => gateway.log().includes(logged), 'the dispute in the log');

  const ghost = { ...stripe.intents.get(sealedPayment.provider_id), metadata: { kassa_payment_id: 'aaaaaaaaaaaaaaaaaaaaaaaaaa' } };
  const unknown = await webhook('payment_intent.succeeded', ghost);
  assert.equal(unknown.status, 200, unknown.text);
  assert.deepEqual(unknown.json, { received: true });
});

test('a refund whose answer was lost is confirmed by the refund webhook, once', async () => {
  const id = sealedPayment.payment_id;
  stripe.inject('refund', 'hang');
  const refund = await api(`/payments/${id}/refunds`, { method: 'POST', body: { amount: 450 } });
  assert.equal(refund.status, 202, refund.text);
  assert.equal(refund.json.status, 'submitted');
  const made = [...stripe.refunds.values()].find((r) => r.metadata.kassa_refund_id === refund.json.refund_id);
  assert.ok(made, 'Stripe made the refund');
  assert.equal(made.status, 'succeeded');

  const res = await webhook('refund.updated', made);
  assert.equal(res.status, 200, res.text);
  const confirmed = (await api(`/payments/${id}/refunds/${refund.json.refund_id}`)).json;
  assert.equal(confirmed.status, 'success');
  assert.deepEqual((await payment(id)).refund_summary, { status: 'available', amount_available: 1000, amount_submitted: 450 });
  const count = (await events(id)).length;
  // Repeated, or as `charge.refund.updated` under another id: nothing more.
  assert.equal((await webhook('refund.updated', made, { id: res.event.id })).status, 200);
  assert.equal((await webhook('charge.refund.updated', made)).status, 200);
  assert.equal((await events(id)).length, count);
  assert.equal(stripe.requests.filter((r) => r.path === '/v1/refunds').length, 1, 'one refund request');
});
