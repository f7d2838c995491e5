// The shared checkout journeys, written once and run on three accounts of one gateway: the
// sandbox, Stripe (tests/support/fake-stripe.mjs) and Adyen (tests/support/fake-adyen.mjs,
// which sends its notifications to the account by itself, as Adyen does). The same API
// calls, hosted pages and webhooks for each: a payment paid, captured (for Adyen only once
// its CAPTURE notification confirmed it) and partly refunded; a declined card; a service
// cancel of an authorised hold, released at the provider; 3-D Secure completed and failed
// (each provider's own challenge page: the gateway's for the sandbox); a delayed capture;
// and a sealed card paid from the merchant's server. What differs between providers is
// data only: the table below (test cards, how a challenge is answered, where a hold is seen
// released).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startGateway, devVars } from '../support/gateway.mjs';
import { startFakeStripe } from '../support/fake-stripe.mjs';
import { startFakeAdyen } from '../support/fake-adyen.mjs';
import { Payer } from '../support/payer.mjs';
import { paymentBody, clientOf } from '../support/api.mjs';
import { Receiver, verifyPaySignature } from '../support/webhook-receiver.mjs';
import { core } from '../support/core.mjs';

const ADMIN_TOKEN = devVars().ADMIN_TOKEN;
const STRIPE_KEY = 'sk_test_51KassaJourneysStripeKey000000000000000000000004242';
const ADYEN = {
  api_key: 'AQEyhmfxKfA0KassaJourneysWebServiceUser0000001111',
  merchant_account: 'KassaJourneysECOM',
  hmac_key: randomBytes(32).toString('hex').toUpperCase(),
};
const DECLINED = { status: 'failed', finished: true, code: 'P0010', message: 'Payment method rejected' };
const CANCELLED = { status: 'cancelled', finished: true, code: 'P0040', message: 'Payment was cancelled by the service' };
const SUCCESS = { status: 'success', finished: true };
const EVENTS = ['card_payment_started', 'card_payment_succeeded', 'card_payment_captured', 'card_payment_refunded', 'card_payment_failed'];

let gateway; let stripe; let adyen;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const { call } = clientOf(() => gateway.url);
const admin = (path, opts = {}) => call(`/admin/v1${path}`, { token: ADMIN_TOKEN, ...opts });

/** Polls until `check` returns something truthy; the bound only stops a hung test. */
async function eventually(check, what) {
  const deadline = Date.now() + 150_000;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`still waiting for ${what}`);
    await sleep(250);
  }
}

/** The sandbox's challenge is the gateway's own page: its form posts the answer with the csrf. */
async function sandboxChallenge(payer, page, complete) {
  const action = Payer.action(page.html);
  assert.match(action ?? '', /\/3ds$/, `the sandbox challenge:\n${page.html}`);
  return payer.go(action, { method: 'POST', form: { csrf: Payer.csrf(page.html), result: complete ? 'complete' : 'fail' } });
}

/** Stripe's and Adyen's challenge: the page's link to the provider's page, a button there, back. */
const providerChallenge = (payer, page, complete) => payer.authenticate(page, complete ? 'Complete authentication' : 'Fail authentication');

/**
 * What differs between providers, as data. `card`: authorised; `declined`; `challenge`: a
 * 3-D Secure challenge (completed: authorised) and `answer(payer, page, complete)`, the
 * payer's answer on it; `providerId(p)`: what the provider calls the payment;
 * `holdReleased(p)`: whether the provider has released the authorisation of a cancelled one.
 */
const providers = [
  {
    name: 'sandbox',
    credentials: null,
    card: { number: '4242424242424242', brand: 'Visa', type: 'credit' },
    declined: '4000000000000002',
    challenge: '4000000000003220',
    answer: sandboxChallenge,
    providerId: (p) => assert.ok(typeof p.provider_id === 'string' && p.provider_id.length > 0, `provider_id ${p.provider_id}`),
    // The sandbox holds nothing anywhere: its hold is its own record.
    holdReleased: async () => true,
  },
  {
    name: 'stripe',
    credentials: { secret_key: STRIPE_KEY },
    card: { number: '4242424242424242', brand: 'Visa', type: 'credit' },
    declined: '4000000000000002',
    challenge: '4000000000003220',
    answer: providerChallenge,
    providerId: (p) => assert.equal(p.provider_id, [...stripe.intents.values()].find((i) => i.metadata.kassa_payment_id === p.payment_id)?.id),
    holdReleased: async (p) => stripe.intents.get(p.provider_id)?.status === 'canceled',
  },
  {
    name: 'adyen',
    credentials: ADYEN,
    card: { number: '4111111111111111', brand: 'Visa', type: 'credit' },
    declined: '4000000000000002',
    challenge: '4212345678901237',
    answer: providerChallenge,
    providerId: (p) => assert.equal(p.provider_id, [...adyen.payments].find(([, v]) => v.reference === p.payment_id)?.[0]),
    // Adyen took the cancel ("received"), decided it, and its CANCELLATION notification was accepted.
    holdReleased: async (p) => adyen.payments.get(p.provider_id)?.status === 'cancelled'
      && adyen.autoNotified.some((n) => n.eventCode === 'CANCELLATION' && n.merchantReference === p.payment_id && n.status === 200),
  },
];

before(async () => {
  stripe = await startFakeStripe({ secretKey: STRIPE_KEY });
  const adyenAccount = () => providers.find((p) => p.name === 'adyen').account;
  adyen = await startFakeAdyen({
    apiKey: ADYEN.api_key, merchantAccount: ADYEN.merchant_account, hmacKey: ADYEN.hmac_key,
    autoNotify: () => `${gateway.url}/providers/adyen/${adyenAccount().id}/notifications`,
    // Everything Adyen notifies, authorisations too: they reach the gateway while it is still
    // handling the answer they follow.
    autoNotifyEvents: ['AUTHORISATION', 'CAPTURE', 'CANCELLATION', 'REFUND'],
  });
  gateway = await startGateway({ name: 'gateway-journeys', vars: { STRIPE_API_BASE: stripe.url, ADYEN_API_BASE: adyen.url } });
  for (const p of providers) {
    const created = await admin('/accounts', { method: 'POST' });
    assert.equal(created.status, 201, created.text);
    p.account = { id: created.json.account_id, key: created.json.api_key, pk: created.json.publishable_keys.test };
    const settings = { rate_limits: { post_per_second: 1000, other_per_second: 1000 } };
    if (p.credentials) Object.assign(settings, { payment_provider: p.name, provider_credentials: p.credentials });
    const patch = await admin(`/accounts/${p.account.id}`, { method: 'PATCH', body: settings });
    assert.equal(patch.status, 200, patch.text);
    assert.equal(patch.json.payment_provider, p.name);
    // Every account's webhook, verified as its partner would.
    p.receiver = await new Receiver().start();
    const hook = await call('/v1/webhooks', { method: 'POST', token: p.account.key, body: { callback_url: p.receiver.url, subscriptions: EVENTS } });
    assert.equal(hook.status, 201, hook.text);
    p.secret = (await call(`/v1/webhooks/${hook.json.webhook_id}/signing-key`, { token: p.account.key })).json.signing_key;
  }
});

after(async () => {
  for (const p of providers) await p.receiver?.stop();
  await gateway?.stop();
  await stripe?.close();
  await adyen?.close();
});

/** The provider's /v1 client. */
const api = (p, path, opts = {}) => call(`/v1${path}`, { token: p.account.key, ...opts });
const payment = async (p, id) => (await api(p, `/payments/${id}`)).json;
async function create(p, overrides = {}) {
  const res = await api(p, '/payments', { method: 'POST', body: paymentBody(overrides) });
  assert.equal(res.status, 201, res.text);
  assert.equal(res.json.payment_provider, p.name);
  return res.json;
}

/** The account's webhook messages about a payment, each verified, as `{ type: message }` once all `types` arrived. */
async function webhooks(p, paymentId, types) {
  await p.receiver.waitFor(`${types} for ${paymentId}`, () => {
    const seen = new Set(p.receiver.succeeded().filter((d) => d.json?.resource_id === paymentId).map((d) => d.json.event_type));
    return types.every((t) => seen.has(t.toUpperCase()));
  }, 150_000);
  const mine = p.receiver.succeeded().filter((d) => d.json?.resource_id === paymentId);
  for (const d of mine) assert.ok(verifyPaySignature(d.body, p.secret, d.headers['pay-signature']), `Pay-Signature of ${d.json.event_type}`);
  return Object.fromEntries(mine.map((d) => [d.json.event_type.toLowerCase(), d.json]));
}

/** A card sealed, as tokenize() seals it, to the key the gateway publishes, for the account's publishable key. */
async function sealedCard(p, number) {
  const preview = await (await fetch(`${gateway.url}/checkout/preview`)).text();
  const gatewayKey = /data-kassa-key="([^"]+)"/.exec(preview)[1];
  return core.seal_card_for(gatewayKey, number, '123', `publishable:${p.account.pk}`, Date.now(), randomBytes(32));
}

const payer = () => new Payer({ base: gateway.url });

for (const p of providers) {
  test(`${p.name}: hosted card page → confirm → success at return_url, captured, webhooks, a partial refund`, async () => {
    const created = await create(p, { reference: `J1-${p.name}` });
    const done = await payer().pay(created._links.next_url.href, p.card.number);
    assert.equal(done.status, 303, done.html);
    assert.equal(done.location, paymentBody().return_url);

    const paid = await payment(p, created.payment_id);
    assert.deepEqual(paid.state, SUCCESS);
    assert.equal(paid.payment_provider, p.name);
    p.providerId(paid);
    assert.equal(paid.card_details.last_digits_card_number, p.card.number.slice(-4));
    assert.equal(paid.card_details.first_digits_card_number, p.card.number.slice(0, 6));
    assert.equal(paid.card_details.card_brand, p.card.brand);
    assert.equal(paid.card_details.expiry_date, '12/30');
    assert.equal(paid.card_details.cardholder_name, 'Mx Test Payer');

    // Captured once the provider confirmed it (Adyen: by its CAPTURE notification).
    const captured = await eventually(async () => {
      const now = await payment(p, created.payment_id);
      return now.refund_summary.status === 'available' && now;
    }, 'the capture confirmed');
    assert.deepEqual(captured.refund_summary, { status: 'available', amount_available: 1450, amount_submitted: 0 });
    const hooks = await webhooks(p, created.payment_id, ['card_payment_started', 'card_payment_succeeded', 'card_payment_captured']);
    assert.equal(hooks.card_payment_captured.resource.state.status, 'success');
    assert.equal(hooks.card_payment_captured.resource.payment_provider, p.name);
    // Sent when the capture was confirmed, not when it was asked for.
    assert.equal(hooks.card_payment_captured.resource.refund_summary.status, 'available');
    assert.ok(hooks.card_payment_captured.sequence > hooks.card_payment_succeeded.sequence);
    assert.ok(hooks.card_payment_succeeded.sequence > hooks.card_payment_started.sequence);
    if (p.name === 'adyen') {
      const notified = adyen.autoNotified.filter((n) => n.eventCode === 'CAPTURE' && n.merchantReference === created.payment_id);
      assert.ok(notified.some((n) => n.status === 200), `the CAPTURE notification was accepted: ${JSON.stringify(notified)}`);
    }

    const refund = await api(p, `/payments/${created.payment_id}/refunds`, { method: 'POST', body: { amount: 500, refund_amount_available: 1450 } });
    assert.equal(refund.status, 202, refund.text);
    const rid = refund.json.refund_id;
    await eventually(async () => (await api(p, `/payments/${created.payment_id}/refunds/${rid}`)).json.status === 'success', 'the refund to succeed');
    assert.deepEqual((await payment(p, created.payment_id)).refund_summary, { status: 'available', amount_available: 950, amount_submitted: 500 });
    const refunded = (await webhooks(p, created.payment_id, ['card_payment_refunded'])).card_payment_refunded;
    assert.equal(refunded.resource.refund_summary.amount_submitted, 500);
  });

  test(`${p.name}: a declined card is failed P0010, with its webhook`, async () => {
    const created = await create(p, { reference: `J2-${p.name}` });
    const page = await payer().pay(created._links.next_url.href, p.declined);
    assert.equal(page.status, 200);
    assert.match(page.html, /declined/);
    assert.deepEqual((await payment(p, created.payment_id)).state, DECLINED);
    const hooks = await webhooks(p, created.payment_id, ['card_payment_started', 'card_payment_failed']);
    assert.equal(hooks.card_payment_failed.resource.state.code, 'P0010');
  });

  test(`${p.name}: a service cancel after authorisation is cancelled P0040 and releases the hold`, async () => {
    const created = await create(p, { reference: `J3-${p.name}`, delayed_capture: true });
    const done = await payer().pay(created._links.next_url.href, p.card.number);
    assert.equal(done.status, 303);
    const held = await payment(p, created.payment_id);
    assert.equal(held.state.status, 'capturable');
    assert.equal(held._links.cancel?.method, 'POST');
    const cancel = await api(p, `/payments/${created.payment_id}/cancel`, { method: 'POST' });
    assert.equal(cancel.status, 204, cancel.text);
    assert.deepEqual((await payment(p, created.payment_id)).state, CANCELLED);
    await eventually(() => p.holdReleased(held), 'the hold released at the provider');
    assert.deepEqual((await payment(p, created.payment_id)).state, CANCELLED, 'still cancelled once the provider confirmed');
  });

  test(`${p.name}: 3-D Secure challenge completed is success; failed is failed P0010`, async () => {
    const ok = await create(p, { reference: `J4-${p.name}` });
    const alice = payer();
    const challenge = await alice.pay(ok._links.next_url.href, p.challenge);
    assert.equal(challenge.status, 200);
    const waiting = await payment(p, ok.payment_id);
    assert.deepEqual(waiting.state, { status: 'started', finished: false });
    assert.equal(waiting.authorisation_summary?.three_d_secure?.required, true);
    const confirmPage = await p.answer(alice, challenge, true);
    assert.match(confirmPage.html, /action="[^"]+\/confirm"/, `the confirm page:\n${confirmPage.html}`);
    const done = await alice.confirm(confirmPage);
    assert.equal(done.status, 303);
    assert.equal(done.location, paymentBody().return_url);
    const paid = await payment(p, ok.payment_id);
    assert.deepEqual(paid.state, SUCCESS);
    assert.equal(paid.authorisation_summary?.three_d_secure?.required, true);

    const failed = await create(p, { reference: `J4F-${p.name}` });
    const bob = payer();
    const page = await bob.pay(failed._links.next_url.href, p.challenge);
    const outcome = await p.answer(bob, page, false);
    assert.match(outcome.html, /declined/);
    assert.deepEqual((await payment(p, failed.payment_id)).state, DECLINED);
  });

  test(`${p.name}: delayed capture: capturable, then POST /capture is success`, async () => {
    const created = await create(p, { reference: `J5-${p.name}`, delayed_capture: true });
    await payer().pay(created._links.next_url.href, p.card.number);
    const held = await payment(p, created.payment_id);
    assert.deepEqual(held.state, { status: 'capturable', finished: false });
    assert.equal(held._links.capture?.method, 'POST');
    const capture = await api(p, `/payments/${created.payment_id}/capture`, { method: 'POST' });
    assert.equal(capture.status, 204, capture.text);
    assert.deepEqual((await payment(p, created.payment_id)).state, SUCCESS);
    await eventually(async () => (await payment(p, created.payment_id)).refund_summary.status === 'available', 'the capture confirmed');
  });

  test(`${p.name}: a sealed card paid from the merchant's server is 201 success`, async () => {
    const sealed = await sealedCard(p, p.card.number);
    const res = await api(p, '/payments', { method: 'POST', body: paymentBody({ reference: `J6-${p.name}`, sealed_card: sealed }) });
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(res.json.state, SUCCESS);
    assert.equal(res.json.payment_provider, p.name);
    assert.equal(res.json.card_details.last_digits_card_number, p.card.number.slice(-4));
    p.providerId(res.json);
  });
}

test('adyen: every notification the fake Adyen sent by itself was accepted, at its first attempt', () => {
  assert.ok(adyen.autoNotified.some((n) => n.eventCode === 'AUTHORISATION'), 'authorisations were notified');
  for (const code of ['CAPTURE', 'CANCELLATION', 'REFUND']) assert.ok(adyen.autoNotified.some((n) => n.eventCode === code), code);
  assert.deepEqual(adyen.autoNotified.filter((n) => n.status !== 200 || n.attempt !== 1), []);
});

test('no card number the journeys typed is in the gateway\'s log', () => {
  const log = gateway.log();
  for (const p of providers) for (const n of [p.card.number, p.declined, p.challenge]) assert.ok(!log.includes(n), `${p.name} ${n}`);
});
