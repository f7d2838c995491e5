// The Stripe adapter through the real runtime: a second gateway whose STRIPE_API_BASE points
// at a local server speaking Stripe's API (tests/support/fake-stripe.mjs, built from Stripe's
// fixture objects). Checks the exact requests Kassa sends, that credentials are stored
// sealed and never shown, that a confirmation that times out is resolved by the alarm's
// status query without a second charge (also for a sealed card paid from the merchant's
// server, which is then confirmed and captured without a payer), that an answer too large to
// read is as unknown as a timeout (never a decline), that a capture failing with
// a 5xx is retried, and that cancellation and expiry release the hold. 3-D Secure with
// Stripe's test cards: the payer is sent to the fake's challenge page by a plain link
// (confirmations carry the gateway's `return_url`, never `use_stripe_sdk`), and on the way
// back the gateway re-reads the PaymentIntent, which alone decides (a completed challenge
// authorises, a failed one or an issuer's decline is failed P0010, a forged return changes
// nothing); a payer who never comes back has the open attempt cancelled at expiry; a
// frictionless card goes straight to the confirm page; a sealed card that needs a challenge
// answers `started` with a next_url, and is captured once the payer is back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startGateway, devVars } from '../support/gateway.mjs';
import { startFakeStripe } from '../support/fake-stripe.mjs';
import { Payer } from '../support/payer.mjs';
import { paymentBody, clientOf, eventually, sleep } from '../support/api.mjs';
import { core } from '../support/core.mjs';
import { randomBytes } from 'node:crypto';

const SECRET_KEY = 'sk_test_51KassaFakeStripeKey00000000000000000000009876';
const LIVE_SECRET = SECRET_KEY.replace('sk_test_', 'sk_live_');
const OTHER_LIVE_SECRET = 'sk_live_51KassaFakeStripeOtherAccount0000000000000002';
const ADMIN_TOKEN = devVars().ADMIN_TOKEN;
let stripe;
let gateway;
let account;
let live; // the account's live API key (issued once Stripe is its provider)

const { call } = clientOf(() => gateway.url);
const admin = (path, opts = {}) => call(`/admin/v1${path}`, { token: ADMIN_TOKEN, ...opts });
const api = (path, opts = {}) => call(`/v1${path}`, { token: account.key, ...opts });
const payment = async (id) => (await api(`/payments/${id}`)).json;


function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

const form = (body) => Object.fromEntries(new URLSearchParams(body));

/** A card (4242… unless told) sealed, as tokenize() seals it, to the key the gateway publishes in its card forms. */
async function sealedCard(number = '4242424242424242') {
  const preview = await (await fetch(`${gateway.url}/checkout/preview`)).text();
  const gatewayKey = /data-kassa-key="([^"]+)"/.exec(preview)[1];
  return core.seal_card_for(gatewayKey, number, '123', `publishable:${account.pk}`, Date.now(), randomBytes(32));
}

/** The PaymentIntent Kassa made for a payment. */
const intentOf = (paymentId) => [...stripe.intents.values()].find((i) => i.metadata.kassa_payment_id === paymentId);
/** Where Stripe sends the payer back after 3-D Secure: the gateway's return page for the payment. */
const returnUrl = (paymentId) => `${gateway.url}/pay/${account.id}/${paymentId}/3ds/return`;
/**
 * The `return_url` a confirmation carried: the payment's return page with the secret the
 * gateway drew for the attempt (`?k=`, 128 bits), without which a return is not acted on.
 */
function sentReturnUrl(confirmation, paymentId) {
  const sent = form(confirmation.body).return_url;
  assert.ok(sent?.startsWith(`${returnUrl(paymentId)}?k=`), `return_url ${sent}`);
  assert.match(sent.slice(returnUrl(paymentId).length), /^\?k=[0-9a-f]{32}$/);
  return sent;
}
/** The requests about one PaymentIntent that `test` keeps (the payer's at the challenge page too), as "METHOD /path". */
const calls = (pi, test = () => true) => stripe.for(pi).filter(test).map((r) => `${r.method} ${r.path}`);
const isPost = (suffix) => (r) => r.method === 'POST' && r.path.endsWith(suffix);
const THREE_DS = { three_d_secure: { required: true, version: '2.2.0' } };
const DECLINED = { status: 'failed', finished: true, code: 'P0010', message: 'Payment method rejected' };

/**
 * The card posted on the hosted pages, and the page the payer lands on while the payment
 * waits for 3-D Secure: its link leads to the fake's challenge page. Checks the one
 * confirmation: the gateway's return_url, no use_stripe_sdk.
 */
async function challenged(payer, p, number) {
  const page = await payer.pay(p._links.next_url.href, number);
  assert.equal(page.status, 200, number);
  const pi = intentOf(p.payment_id);
  assert.equal(pi.status, 'requires_action', number);
  assert.equal(Payer.continueLink(page.html), `${stripe.url}/3ds/${pi.id}`, 'the page leads to the challenge');
  assert.deepEqual((await payment(p.payment_id)).state, { status: 'started', finished: false });
  const confirms = stripe.for(pi.id).filter(isPost('/confirm'));
  assert.equal(confirms.length, 1, 'one confirmation');
  const sentReturn = sentReturnUrl(confirms[0], p.payment_id);
  assert.ok(!confirms[0].body.includes('use_stripe_sdk'), confirms[0].body);
  return { page, pi, sentReturn };
}

before(async () => {
  stripe = await startFakeStripe({ secretKey: SECRET_KEY, otherKeys: [LIVE_SECRET, OTHER_LIVE_SECRET] });
  gateway = await startGateway({ name: 'gateway-stripe', vars: { STRIPE_API_BASE: stripe.url } });
  const created = await admin('/accounts', { method: 'POST' });
  account = { id: created.json.account_id, key: created.json.api_key, pk: created.json.publishable_keys.test };
});

after(async () => {
  await gateway?.stop();
  await stripe?.close();
});

test('Stripe credentials are required, validated, stored sealed and never shown', async () => {
  const missing = await admin(`/accounts/${account.id}`, { method: 'PATCH', body: { payment_provider: 'stripe' } });
  assert.equal(missing.status, 422);
  assert.equal(missing.json.code, 'P0102');
  assert.equal(missing.json.field, 'provider_credentials');
  const bad = await admin(`/accounts/${account.id}`, {
    method: 'PATCH', body: { payment_provider: 'stripe', provider_credentials: { secret_key: 'pk_test_publishable' } },
  });
  assert.equal(bad.status, 422);
  assert.equal(bad.json.field, 'provider_credentials');

  const ok = await admin(`/accounts/${account.id}`, {
    method: 'PATCH', body: { payment_provider: 'stripe', provider_credentials: { secret_key: SECRET_KEY } },
  });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.payment_provider, 'stripe');
  assert.deepEqual(ok.json.configured_credentials, { stripe: { test: { secret_key: 'sk_test_…9876' } } });
  assert.ok(!ok.text.includes(SECRET_KEY.slice(8, -4)), 'never echoed');
  // A later change without credentials keeps them.
  const later = await admin(`/accounts/${account.id}`, { method: 'PATCH', body: { payment_expiry_minutes: 60 } });
  assert.equal(later.status, 200);
  assert.deepEqual(later.json.configured_credentials, { stripe: { test: { secret_key: 'sk_test_…9876' } } });

  // Nothing on disk holds the key in plaintext: not the account object's SQLite files, not
  // the gateway's log.
  const stored = files(gateway.stateDir);
  assert.ok(stored.some((f) => f.endsWith('.sqlite')), 'the state directory has the object databases');
  for (const file of stored) {
    assert.ok(!readFileSync(file).includes(SECRET_KEY.slice(8)), `${file} holds the secret`);
  }
  // (The row may still be in SQLite's write-ahead log rather than the database file.)
  assert.ok(stored.some((f) => /\.sqlite(-wal)?$/.test(f) && readFileSync(f).includes('ear1.')), 'a sealed value is stored');
  assert.ok(!gateway.log().includes(SECRET_KEY.slice(8)));
});

test('a Stripe key serves payments of its own mode only; a test and a live key can both be set', async () => {
  // Stripe takes live payments, so the account may have live API keys.
  const issued = await admin(`/accounts/${account.id}/keys`, { method: 'POST', body: { live: true } });
  assert.equal(issued.status, 201, issued.text);
  live = issued.json.api_key;
  const before = stripe.requests.length;
  const refused = await call('/v1/payments', { method: 'POST', token: live, body: paymentBody({ reference: 'LIVE-ON-TEST-KEY' }) });
  assert.equal(refused.status, 403, refused.text);
  assert.equal(refused.json.code, 'P0940');
  assert.match(refused.json.description, /live payments/);
  assert.equal((await call('/v1/payments?reference=LIVE-ON-TEST-KEY', { token: live })).json.total, 0);
  // A live key goes in the live slot: the test key stays, and both modes are served.
  const set = await admin(`/accounts/${account.id}`, { method: 'PATCH', body: { provider_credentials: { secret_key: LIVE_SECRET } } });
  assert.equal(set.status, 200, set.text);
  assert.deepEqual(set.json.configured_credentials, { stripe: { test: { secret_key: 'sk_test_…9876' }, live: { secret_key: 'sk_live_…9876' } } });
  const test = await api('/payments', { method: 'POST', body: paymentBody({ reference: 'TEST-BESIDE-LIVE' }) });
  assert.equal(test.status, 201, test.text);
  const taken = await call('/v1/payments', { method: 'POST', token: live, body: paymentBody({ reference: 'LIVE-ON-LIVE-KEY' }) });
  assert.equal(taken.status, 201, taken.text);
  assert.equal(stripe.requests.length, before, 'Stripe was never called');
});

test('replacing a live key never retargets payments made with the old one; once it is gone they are refused, never sent', async () => {
  const livePayment = async (reference) => {
    const p = (await call('/v1/payments', { method: 'POST', token: live, body: paymentBody({ reference, delayed_capture: true }) })).json;
    const done = await new Payer({ base: gateway.url }).pay(p._links.next_url.href, '4242424242424242');
    assert.equal(done.status, 303);
    const after = (await call(`/v1/payments/${p.payment_id}`, { token: live })).json;
    assert.equal(after.state.status, 'capturable', reference);
    return after;
  };
  const setLive = async (secret_key) => {
    const res = await admin(`/accounts/${account.id}`, { method: 'PATCH', body: { provider_credentials: { secret_key } } });
    assert.equal(res.status, 200, res.text);
    return res.json;
  };
  const first = await livePayment('MADE-WITH-FIRST-KEY');
  assert.ok(stripe.for(first.provider_id).every((r) => r.key === LIVE_SECRET));

  // Another Stripe account's live key replaces it: new live payments use the new key...
  const replaced = await setLive(OTHER_LIVE_SECRET);
  assert.deepEqual(replaced.configured_credentials.stripe.live, { secret_key: 'sk_live_…0002' });
  const second = await livePayment('MADE-WITH-SECOND-KEY');
  assert.ok(stripe.for(second.provider_id).every((r) => r.key === OTHER_LIVE_SECRET));
  // ...and the first payment is still captured with its own.
  assert.equal((await call(`/v1/payments/${first.payment_id}/capture`, { method: 'POST', token: live })).status, 204);
  await eventually(async () => (await call(`/v1/payments/${first.payment_id}`, { token: live })).json.state.status === 'success', 'the first capture');
  assert.deepEqual(stripe.for(first.provider_id).map((r) => `${r.path.split('/').at(-1)} ${r.key}`),
    [`confirm ${LIVE_SECRET}`, `capture ${LIVE_SECRET}`]);

  // Enough replacements later the second payment's key is no longer kept: its capture is
  // refused and logged, and nothing is sent with any other key.
  for (let i = 0; i < 5; i += 1) await setLive(`sk_live_51KassaFakeStripeRotatedKey${i}000000000000000000000`);
  const sentBefore = stripe.for(second.provider_id).length;
  const capture = await call(`/v1/payments/${second.payment_id}/capture`, { method: 'POST', token: live });
  assert.notEqual(capture.status, 204, capture.text);
  assert.equal(capture.json.code, 'P0198');
  assert.equal(stripe.for(second.provider_id).length, sentBefore, 'nothing was sent');
  assert.equal((await call(`/v1/payments/${second.payment_id}`, { token: live })).json.state.status, 'capturable', 'nothing changed');
  const refusal = `provider call refused for payment ${second.payment_id} (stripe, live): the credentials the payment was created with are no longer available`;
  await eventually(() => gateway.log().includes(refusal), 'the refusal in the log');
  // Put back for the tests after this one.
  await setLive(LIVE_SECRET);
});

test('a Stripe payment: exact requests for create, confirm, capture and refund', async () => {
  const p = (await api('/payments', { method: 'POST', body: paymentBody({ description: 'Council tax & more' }) })).json;
  const done = await new Payer({ base: gateway.url }).pay(p._links.next_url.href, '4242424242424242');
  assert.equal(done.status, 303);
  assert.equal(done.location, 'https://shop.example/return');

  const after = await payment(p.payment_id);
  assert.deepEqual(after.state, { status: 'success', finished: true });
  assert.equal(after.payment_provider, 'stripe');
  assert.match(after.provider_id, /^pi_fake\d+$/);
  assert.equal(after.card_details.card_type, 'credit');
  assert.equal(after.refund_summary.status, 'available', 'captured');
  const pi = after.provider_id;

  const created = stripe.requests.find((r) => r.path === '/v1/payment_intents' && form(r.body)['metadata[kassa_payment_id]'] === p.payment_id);
  const sent = [created, ...stripe.for(pi)];
  assert.deepEqual(sent.map((r) => `${r.method} ${r.path}`), [
    'POST /v1/payment_intents',
    `POST /v1/payment_intents/${pi}/confirm`,
    `POST /v1/payment_intents/${pi}/capture`,
  ]);
  const [create, confirm, capture] = sent;
  for (const r of sent) {
    assert.equal(r.headers.authorization, `Bearer ${SECRET_KEY}`);
    assert.equal(r.headers['stripe-version'], '2024-06-20');
    assert.equal(r.headers['content-type'], 'application/x-www-form-urlencoded');
  }
  assert.equal(create.headers['idempotency-key'], `kassa-${p.payment_id}-create`);
  assert.equal(create.body, 'amount=1450&currency=gbp&capture_method=manual&payment_method_types[0]=card'
    + `&description=Council%20tax%20%26%20more&metadata[kassa_payment_id]=${p.payment_id}&metadata[reference]=INV-2026-001`);
  // Events 1 created, 2 started, 3 submitted: the third attempt-numbered key.
  assert.equal(confirm.headers['idempotency-key'], `kassa-${p.payment_id}-confirm-3`);
  assert.equal(confirm.body, 'payment_method_data[type]=card&payment_method_data[card][number]=4242424242424242'
    + '&payment_method_data[card][exp_month]=12&payment_method_data[card][exp_year]=2030&payment_method_data[card][cvc]=123'
    + '&payment_method_data[billing_details][name]=Mx%20Test%20Payer&expand[0]=latest_charge'
    + `&return_url=${encodeURIComponent(sentReturnUrl(confirm, p.payment_id))}`);
  assert.equal(capture.headers['idempotency-key'], `kassa-${p.payment_id}-capture-1`);
  assert.equal(capture.body, 'amount_to_capture=1450');
  assert.equal(stripe.intents.get(pi).status, 'succeeded');

  const refund = await api(`/payments/${p.payment_id}/refunds`, { method: 'POST', body: { amount: 500 } });
  assert.equal(refund.status, 202);
  const refundReq = stripe.requests.at(-1);
  assert.equal(refundReq.path, '/v1/refunds');
  assert.equal(refundReq.headers['idempotency-key'], `kassa-refund-${refund.json.refund_id}`);
  assert.equal(refundReq.body, `payment_intent=${pi}&amount=500&metadata[kassa_payment_id]=${p.payment_id}`
    + `&metadata[kassa_refund_id]=${refund.json.refund_id}`);
  const r = (await api(`/payments/${p.payment_id}/refunds/${refund.json.refund_id}`)).json;
  assert.equal(r.status, 'success');
  assert.deepEqual((await payment(p.payment_id)).refund_summary, { status: 'available', amount_available: 950, amount_submitted: 500 });
});

test('a Stripe decline fails with P0010 and shows the declined page', async () => {
  const p = (await api('/payments', { method: 'POST', body: paymentBody() })).json;
  const page = await new Payer({ base: gateway.url }).pay(p._links.next_url.href, '4000000000000002');
  assert.match(page.html, /declined/);
  const after = await payment(p.payment_id);
  assert.deepEqual(after.state, DECLINED);
  assert.equal(stripe.confirmations.get(after.provider_id), 1);
});

test('3-D Secure challenge completed (4000000000003220): the payer comes back to the confirm page, captured once', async () => {
  const p = (await api('/payments', { method: 'POST', body: paymentBody({ reference: '3DS-CHALLENGE' }) })).json;
  const payer = new Payer({ base: gateway.url });
  const { page, pi, sentReturn } = await challenged(payer, p, '4000000000003220');
  assert.equal((await payment(p.payment_id)).authorisation_summary?.three_d_secure?.required, true, 'required once Stripe asks');
  const reads = () => stripe.for(pi.id).filter((r) => r.method === 'GET' && r.path.startsWith('/v1/'));

  // Reloading the waiting page changes nothing. A return without the attempt's secret is
  // not acted on at all; with it, before the challenge is answered, a forged "succeeded"
  // only makes Kassa ask Stripe, which is still waiting: the payer is sent there again.
  const again = await payer.go(`/pay/${account.id}/${p.payment_id}`);
  assert.equal(Payer.continueLink(again.html), `${stripe.url}/3ds/${pi.id}`);
  const keyless = await payer.go(`${returnUrl(p.payment_id)}?payment_intent=${pi.id}&redirect_status=succeeded`);
  assert.doesNotMatch(keyless.html, /action="[^"]+\/confirm"/);
  assert.equal(reads().length, 0, 'a return without the secret is not even checked with Stripe');
  const forged = await payer.go(`${sentReturn}&payment_intent=${pi.id}&redirect_status=succeeded`);
  assert.equal(Payer.continueLink(forged.html), `${stripe.url}/3ds/${pi.id}`, 'sent to the challenge again');
  assert.doesNotMatch(forged.html, /action="[^"]+\/confirm"/);
  assert.equal(reads().length, 1, 'Stripe was asked');
  assert.deepEqual((await payment(p.payment_id)).state, { status: 'started', finished: false });
  assert.equal(pi.status, 'requires_action');

  // Completed at the issuer: Stripe sends the payer to the gateway's return page, which
  // re-reads the PaymentIntent and shows the confirm page.
  const back = await payer.authenticate(page, 'Complete authentication');
  assert.ok(back.back.location.startsWith(`${sentReturn}&payment_intent=${pi.id}&`), back.back.location);
  assert.match(back.html, /action="[^"]+\/confirm"/, 'the confirm page');
  const authorised = await payment(p.payment_id);
  assert.deepEqual(authorised.state, { status: 'submitted', finished: false });
  assert.deepEqual(authorised.authorisation_summary, THREE_DS);
  assert.equal(authorised.provider_id, pi.id);
  assert.equal(authorised.card_details.card_type, 'credit');

  const done = await payer.confirm(back);
  assert.equal(done.status, 303);
  assert.equal(done.location, 'https://shop.example/return');
  const after = await payment(p.payment_id);
  assert.deepEqual(after.state, { status: 'success', finished: true });
  assert.equal(after.refund_summary.status, 'available', 'captured');
  assert.deepEqual(after.authorisation_summary, THREE_DS);
  assert.equal(stripe.intents.get(pi.id).status, 'succeeded');
  assert.equal(stripe.confirmations.get(pi.id), 1, 'confirmed once');
  assert.deepEqual(calls(pi.id, (r) => r.method === 'POST'), [
    `POST /v1/payment_intents/${pi.id}/confirm`,
    `POST /3ds/${pi.id}`,
    `POST /v1/payment_intents/${pi.id}/capture`,
  ]);
  // The returns re-read the intent with the API key; no read carries card data.
  assert.ok(reads().length >= 2, 'the forged return and the real one were both checked with Stripe');
  assert.ok(reads().every((r) => r.body === '' && r.key === SECRET_KEY));
});

test('3-D Secure failed, or declined after it: failed P0010 and the declined page', async () => {
  for (const [number, button] of [['4000000000003220', 'Fail authentication'], ['4000008400001629', 'Complete authentication']]) {
    const p = (await api('/payments', { method: 'POST', body: paymentBody() })).json;
    const payer = new Payer({ base: gateway.url });
    const { page, pi } = await challenged(payer, p, number);
    const back = await payer.authenticate(page, button);
    assert.equal(back.status, 200, `${number} ${button}`);
    assert.match(back.html, /declined/, `${number} ${button}`);
    assert.doesNotMatch(back.html, /action="[^"]+\/confirm"/);
    const after = await payment(p.payment_id);
    assert.deepEqual(after.state, DECLINED, `${number} ${button}`);
    assert.equal(after.authorisation_summary?.three_d_secure?.required, true);
    assert.equal(stripe.intents.get(pi.id).status, 'requires_payment_method');
    assert.equal(stripe.confirmations.get(pi.id), 1);
    assert.deepEqual(calls(pi.id, isPost('/capture')), [], 'nothing captured');
  }
});

test('3-D Secure started but never answered: the expiry alarm cancels the PaymentIntent, and a late answer changes nothing', async () => {
  const set = await admin(`/accounts/${account.id}`, { method: 'PATCH', body: { payment_expiry_minutes: 1 } });
  assert.equal(set.status, 200);
  const p = (await api('/payments', { method: 'POST', body: paymentBody({ reference: '3DS-ABANDONED' }) })).json;
  await admin(`/accounts/${account.id}`, { method: 'PATCH', body: { payment_expiry_minutes: 90 } });
  const payer = new Payer({ base: gateway.url });
  const { page, pi } = await challenged(payer, p, '4000000000003220');
  // The payer opens the challenge and goes away.
  const link = Payer.continueLink(page.html);
  assert.match((await payer.request(link)).html, /Complete authentication/);

  await eventually(() => stripe.intents.get(pi.id).status === 'canceled', 'the expiry alarm to cancel the PaymentIntent');
  const expired = await eventually(async () => {
    const now = await payment(p.payment_id);
    return now.state.status === 'failed' && now;
  }, 'the payment to expire');
  assert.deepEqual(expired.state, { status: 'failed', finished: true, code: 'P0020', message: 'Payment expired' });
  const cancels = stripe.for(pi.id).filter(isPost('/cancel'));
  assert.deepEqual(cancels.map((r) => r.headers['idempotency-key']), [`kassa-${p.payment_id}-cancel-1`]);

  // The payer answers the challenge after all: Stripe refuses (cancelled), the payer is sent
  // back, and the payment stays expired with nothing held.
  const late = await payer.request(link, { method: 'POST', form: { result: 'complete' } });
  assert.equal(late.status, 303);
  await payer.go(late.location);
  assert.deepEqual((await payment(p.payment_id)).state, expired.state);
  assert.equal(stripe.intents.get(pi.id).status, 'canceled');
  assert.equal(stripe.confirmations.get(pi.id), 1);
  assert.deepEqual(calls(pi.id, isPost('/capture')), []);
  assert.equal(stripe.for(pi.id).filter(isPost('/cancel')).length, 1, 'cancelled once');
});

test('3-D Secure frictionless (4000000000003055): straight to the confirm page, 3-D Secure required', async () => {
  const p = (await api('/payments', { method: 'POST', body: paymentBody({ reference: '3DS-FRICTIONLESS' }) })).json;
  const payer = new Payer({ base: gateway.url });
  const page = await payer.pay(p._links.next_url.href, '4000000000003055', { confirm: false });
  assert.match(page.html, /action="[^"]+\/confirm"/, 'the confirm page');
  assert.equal(Payer.continueLink(page.html), undefined, 'no challenge');
  const authorised = await payment(p.payment_id);
  assert.deepEqual(authorised.state, { status: 'submitted', finished: false });
  assert.deepEqual(authorised.authorisation_summary, THREE_DS);
  const done = await payer.confirm(page);
  assert.equal(done.location, 'https://shop.example/return');
  const pi = authorised.provider_id;
  assert.deepEqual((await payment(p.payment_id)).state, { status: 'success', finished: true });
  assert.deepEqual(calls(pi), [`POST /v1/payment_intents/${pi}/confirm`, `POST /v1/payment_intents/${pi}/capture`]);
  sentReturnUrl(stripe.for(pi)[0], p.payment_id);
});

test('a sealed card that needs 3-D Secure answers started with a next_url; once the payer is back it is captured and they land on return_url', async () => {
  const sealed = await sealedCard('4000000000003220');
  const res = await api('/payments', { method: 'POST', body: paymentBody({ reference: 'TOK-3DS', sealed_card: sealed }) });
  assert.equal(res.status, 201, res.text);
  assert.deepEqual(res.json.state, { status: 'started', finished: false });
  const nextUrl = res.json._links.next_url?.href;
  assert.ok(nextUrl, `a next_url for the payer: ${res.text}`);
  assert.equal(res.json.authorisation_summary?.three_d_secure?.required, true);
  const pi = intentOf(res.json.payment_id);
  assert.equal(pi.status, 'requires_action');
  const confirms = stripe.for(pi.id).filter(isPost('/confirm'));
  assert.equal(confirms.length, 1);
  sentReturnUrl(confirms[0], res.json.payment_id);

  // The merchant sends the payer to next_url: no card form, the way to the challenge.
  const payer = new Payer({ base: gateway.url });
  const page = await payer.go(nextUrl);
  assert.equal(page.status, 200);
  assert.equal(Payer.continueLink(page.html), `${stripe.url}/3ds/${pi.id}`);
  assert.doesNotMatch(page.html, /name="card-no"/);
  const back = await payer.authenticate(page, 'Complete authentication');
  // No confirm page: the merchant's request already confirmed the payment.
  assert.equal(back.status, 303);
  assert.equal(back.location, 'https://shop.example/return');
  const done = await eventually(async () => {
    const now = await payment(res.json.payment_id);
    return now.state.status === 'success' && now.refund_summary.status === 'available' && now;
  }, 'the capture');
  assert.deepEqual(done.authorisation_summary, THREE_DS);
  assert.equal(stripe.intents.get(pi.id).status, 'succeeded');
  assert.equal(stripe.confirmations.get(pi.id), 1, 'confirmed once');
  assert.equal(stripe.for(pi.id).filter(isPost('/capture')).length, 1, 'captured once');
});

test('a sealed card (tokenize) is confirmed once at Stripe, even with parallel duplicate requests', async () => {
  const sealed = await sealedCard();
  const body = JSON.stringify(paymentBody({ reference: 'TOK-STRIPE', sealed_card: sealed }));
  const headers = { Authorization: `Bearer ${account.key}`, 'Content-Type': 'application/json', 'Idempotency-Key': 'tok-stripe-1' };
  const send = async () => {
    const res = await fetch(`${gateway.url}/v1/payments`, { method: 'POST', headers, body });
    return { status: res.status, replayed: res.headers.get('idempotent-replayed'), json: await res.json() };
  };
  // The authorisation awaits Stripe: duplicates arriving meanwhile are told it is running.
  const results = await Promise.all([send(), send(), send()]);
  for (const r of results) assert.ok([201, 409].includes(r.status), JSON.stringify(r.json));
  const first = results.find((r) => r.status === 201);
  assert.ok(first);
  assert.deepEqual(first.json.state, { status: 'success', finished: true });
  assert.equal(first.json._links.next_url, undefined);
  const replay = await send();
  assert.equal(replay.status, 201);
  assert.equal(replay.replayed, 'true');
  assert.equal(replay.json.payment_id, first.json.payment_id);
  const pi = first.json.provider_id;
  assert.equal(stripe.confirmations.get(pi), 1, 'confirmed once');
  assert.equal(stripe.for(pi).filter((r) => r.path.endsWith('/capture')).length, 1, 'captured once');
  assert.equal(stripe.intents.get(pi).status, 'succeeded');
  const ours = stripe.requests.filter((r) => r.path === '/v1/payment_intents' && form(r.body)['metadata[reference]'] === 'TOK-STRIPE');
  assert.equal(ours.length, 1, 'one PaymentIntent');
});

test('a confirmation that times out is resolved by the status query, with one charge only', async () => {
  const p = (await api('/payments', { method: 'POST', body: paymentBody() })).json;
  stripe.inject('confirm', 'hang');
  const payer = new Payer({ base: gateway.url });
  const page = await payer.pay(p._links.next_url.href, '4242424242424242', { confirm: false });
  // The adapter gave up waiting: the payer is told not to pay again, and the payment is
  // still `started` (never failed: Stripe did authorise).
  assert.match(page.html, /being processed/);
  const waiting = await payment(p.payment_id);
  assert.deepEqual(waiting.state, { status: 'started', finished: false });
  const pi = [...stripe.intents.values()].find((i) => i.metadata.kassa_payment_id === p.payment_id);
  assert.equal(pi.status, 'requires_capture', 'Stripe holds the money');

  // The alarm's status query (GET, no card data) finds the authorisation.
  const resolved = await eventually(async () => {
    const now = await payment(p.payment_id);
    return now.state.status === 'submitted' && now;
  }, 'the status query');
  assert.equal(resolved.provider_id, pi.id);
  assert.equal(resolved.card_details.card_type, 'credit');
  const calls = stripe.for(pi.id);
  assert.deepEqual(calls.filter((r) => r.method === 'POST').map((r) => r.path), [`/v1/payment_intents/${pi.id}/confirm`]);
  assert.ok(calls.some((r) => r.method === 'GET' && r.query === '?expand[0]=latest_charge'));
  assert.ok(calls.filter((r) => r.method === 'GET').every((r) => r.body === ''), 'queries carry no card data');
  assert.equal(stripe.confirmations.get(pi.id), 1, 'confirmed once');

  // The payer comes back and confirms: captured once.
  const confirmPage = await payer.go(`/pay/${account.id}/${p.payment_id}`);
  const action = /action="([^"]+\/confirm)"/.exec(confirmPage.html)[1];
  const done = await payer.request(action, { method: 'POST', form: { csrf: Payer.csrf(confirmPage.html) } });
  assert.equal(done.location, 'https://shop.example/return');
  assert.equal((await payment(p.payment_id)).refund_summary.status, 'available');
  assert.equal(stripe.intents.get(pi.id).status, 'succeeded');
  assert.equal(stripe.for(pi.id).filter((r) => r.path.endsWith('/capture')).length, 1);
});

test('an answer too large to read is not a decline: the payment stays unknown until the status query finds the authorisation', async () => {
  const p = (await api('/payments', { method: 'POST', body: paymentBody() })).json;
  stripe.inject('confirm', 'oversized');
  const page = await new Payer({ base: gateway.url }).pay(p._links.next_url.href, '4242424242424242', { confirm: false });
  // Read whole, the answer would say "declined" while Stripe holds the money: it is not read.
  assert.match(page.html, /being processed/);
  assert.deepEqual((await payment(p.payment_id)).state, { status: 'started', finished: false });
  const pi = [...stripe.intents.values()].find((i) => i.metadata.kassa_payment_id === p.payment_id);
  assert.equal(pi.status, 'requires_capture', 'Stripe holds the money');
  const resolved = await eventually(async () => {
    const now = await payment(p.payment_id);
    return now.state.status === 'submitted' && now;
  }, 'the status query');
  assert.equal(resolved.provider_id, pi.id);
  assert.equal(stripe.confirmations.get(pi.id), 1, 'confirmed once');
});

test('a sealed card whose confirmation times out is confirmed and captured once the status query finds it', async () => {
  const sealed = await sealedCard();
  stripe.inject('confirm', 'hang');
  const res = await api('/payments', { method: 'POST', body: paymentBody({ reference: 'TOK-HANG', sealed_card: sealed }) });
  assert.equal(res.status, 201, res.text);
  // Not known yet: never failed, and no page for a payer to go to.
  assert.deepEqual(res.json.state, { status: 'started', finished: false });
  assert.equal(res.json._links.next_url, undefined);
  // There is no payer to confirm: the status query's answer is confirmed, then captured.
  const done = await eventually(async () => {
    const now = await payment(res.json.payment_id);
    return now.state.status === 'success' && now.refund_summary.status === 'available' && now;
  }, 'the status query to authorise and the capture');
  const pi = done.provider_id;
  assert.equal(stripe.confirmations.get(pi), 1, 'confirmed once');
  assert.equal(stripe.for(pi).filter((r) => r.path.endsWith('/capture')).length, 1, 'captured once');
  assert.equal(stripe.intents.get(pi).status, 'succeeded');
});

test('an embedded payment whose confirmation times out is confirmed and captured once the status query finds it', async () => {
  const SHOP = 'https://shop.example';
  assert.equal((await admin(`/accounts/${account.id}`, { method: 'PATCH', body: { allowed_origins: [SHOP] } })).status, 200);
  const p = (await api('/payments', { method: 'POST', body: paymentBody({ reference: 'EMBED-TIMEOUT' }) })).json;
  const token = p._links.next_url.href.split('/secure/')[1];
  const frame = await (await fetch(`${gateway.url}/embed/${token}?origin=${encodeURIComponent(SHOP)}&channel=c1`)).text();
  const action = /action="([^"]+\/embed)"/.exec(frame)[1];
  const session = /name="session" value="([^"]+)"/.exec(frame)[1];
  // pay() in the merchant's page posts the form; Stripe takes the card but never answers.
  stripe.inject('confirm', 'hang');
  const res = await fetch(`${gateway.url}${action}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      csrf: Payer.csrf(frame), session, 'card-no': '4242424242424242', 'expiry-date': '12/30', cvc: '123', 'cardholder-name': 'Mx Test Payer',
    }).toString(),
  });
  assert.equal(res.status, 200);
  assert.equal((await res.json()).status, 'processing');
  const pi = [...stripe.intents.values()].find((i) => i.metadata.kassa_payment_id === p.payment_id);
  assert.equal(pi.status, 'requires_capture', 'Stripe holds the money');
  // Nobody is left to confirm: the merchant's page already did. The status query learns of
  // the authorisation, and the payment is confirmed and captured without a payer.
  const done = await eventually(async () => {
    const now = await payment(p.payment_id);
    return now.state.status === 'success' && now;
  }, 'the status query to confirm and capture');
  assert.equal(done.refund_summary.status, 'available', 'captured');
  assert.equal(stripe.intents.get(pi.id).status, 'succeeded');
  assert.equal(stripe.confirmations.get(pi.id), 1, 'confirmed once');
  assert.equal(stripe.for(pi.id).filter((r) => r.path.endsWith('/capture')).length, 1);
});

test('a capture that fails with a 5xx is retried by the alarm with a new attempt key', async () => {
  const p = (await api('/payments', { method: 'POST', body: paymentBody({ delayed_capture: true }) })).json;
  const done = await new Payer({ base: gateway.url }).pay(p._links.next_url.href, '4000056655665556');
  assert.equal(done.status, 303);
  const capturable = await payment(p.payment_id);
  assert.equal(capturable.state.status, 'capturable');
  assert.equal(capturable.card_details.card_type, 'debit');
  const pi = capturable.provider_id;

  stripe.inject('capture', 500);
  assert.equal((await api(`/payments/${p.payment_id}/capture`, { method: 'POST' })).status, 204);
  const pending = await payment(p.payment_id);
  assert.deepEqual(pending.state, { status: 'success', finished: true });
  assert.equal(pending.refund_summary.status, 'pending', 'not captured yet');
  assert.equal(stripe.intents.get(pi).status, 'requires_capture');

  await eventually(async () => (await payment(p.payment_id)).refund_summary.status === 'available', 'the capture retry');
  const captures = stripe.for(pi).filter((r) => r.path.endsWith('/capture'));
  assert.deepEqual(captures.map((r) => r.headers['idempotency-key']), [`kassa-${p.payment_id}-capture-1`, `kassa-${p.payment_id}-capture-2`]);
  assert.ok(captures.every((r) => r.body === 'amount_to_capture=1450'));
  assert.equal(stripe.intents.get(pi).status, 'succeeded');
});

test('cancelling an authorised Stripe payment releases the hold', async () => {
  const p = (await api('/payments', { method: 'POST', body: paymentBody({ delayed_capture: true }) })).json;
  await new Payer({ base: gateway.url }).pay(p._links.next_url.href, '4242424242424242');
  const pi = (await payment(p.payment_id)).provider_id;
  assert.equal((await api(`/payments/${p.payment_id}/cancel`, { method: 'POST' })).status, 204);
  const cancel = stripe.for(pi).find((r) => r.path.endsWith('/cancel'));
  assert.equal(cancel.headers['idempotency-key'], `kassa-${p.payment_id}-cancel-1`);
  assert.equal(stripe.intents.get(pi).status, 'canceled');
  const events = (await api(`/payments/${p.payment_id}/events`)).json.events;
  assert.deepEqual(events.at(-1).state, { status: 'cancelled', finished: true, code: 'P0040', message: 'Payment was cancelled by the service' });
});

test('an authorised Stripe payment that expires has its hold released by the alarm', async () => {
  const set = await admin(`/accounts/${account.id}`, { method: 'PATCH', body: { payment_expiry_minutes: 1 } });
  assert.equal(set.status, 200);
  const p = (await api('/payments', { method: 'POST', body: paymentBody() })).json;
  await admin(`/accounts/${account.id}`, { method: 'PATCH', body: { payment_expiry_minutes: 90 } });
  // Authorised, and the payer never confirms.
  const page = await new Payer({ base: gateway.url }).pay(p._links.next_url.href, '4242424242424242', { confirm: false });
  assert.match(page.html, /confirm/i);
  const pi = (await payment(p.payment_id)).provider_id;
  assert.equal(stripe.intents.get(pi).status, 'requires_capture');

  await eventually(() => stripe.intents.get(pi).status === 'canceled', 'the expiry alarm to cancel the PaymentIntent');
  const expired = await payment(p.payment_id);
  assert.deepEqual(expired.state, { status: 'failed', finished: true, code: 'P0020', message: 'Payment expired' });
  const cancels = stripe.for(pi).filter((r) => r.path.endsWith('/cancel'));
  assert.deepEqual(cancels.map((r) => r.headers['idempotency-key']), [`kassa-${p.payment_id}-cancel-1`]);
});

test('a sealed-card create whose gateway dies during the confirmation is answered after the lease with the payment it made', async () => {
  const sealed = await sealedCard();
  const body = JSON.stringify(paymentBody({ reference: 'TOK-RESTART', sealed_card: sealed }));
  const send = () => fetch(`${gateway.url}/v1/payments`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${account.key}`, 'Content-Type': 'application/json', 'Idempotency-Key': 'restart-1' },
    body,
  });
  stripe.inject('confirm', 'hang');
  const sentAt = Date.now();
  const first = send().catch((err) => err); // the gateway goes away under it
  const pi = await eventually(() => [...stripe.intents.values()]
    .find((i) => i.metadata.reference === 'TOK-RESTART' && stripe.confirmations.get(i.id) === 1), 'the confirmation');
  // The gateway stops mid-call (a deploy, a crash) and comes back on the same state.
  const { stateDir } = gateway;
  await gateway.stop();
  const lost = await first;
  assert.ok(lost instanceof Error || lost.status >= 500, 'the first request got no answer from Kassa');
  gateway = await startGateway({ name: 'gateway-stripe', stateDir, vars: { STRIPE_API_BASE: stripe.url } });
  // Within the provider lease the request may still be running somewhere: a duplicate waits.
  const early = await send();
  if (Date.now() - sentAt < 50_000) assert.equal(early.status, 409, await early.text());
  // After it, the duplicate is answered with the payment the first request made.
  const answered = await eventually(async () => {
    const res = await send();
    return res.status === 201 && res.json();
  }, 'the lease to pass');
  assert.equal(answered.payment_id, pi.metadata.kassa_payment_id);
  const replay = await send();
  assert.equal(replay.status, 201);
  assert.equal(replay.headers.get('idempotent-replayed'), 'true');
  assert.equal((await replay.json()).payment_id, answered.payment_id);
  // The alarm's status query resolves it: confirmed and captured, one charge.
  await eventually(async () => {
    const now = await payment(answered.payment_id);
    return now.state.status === 'success' && now.refund_summary.status === 'available';
  }, 'the status query and the capture');
  assert.equal(stripe.confirmations.get(pi.id), 1, 'confirmed once');
  assert.equal((await api('/payments?reference=TOK-RESTART')).json.total, 1, 'one payment');
});
