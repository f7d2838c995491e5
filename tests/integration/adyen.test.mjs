// The Adyen adapter through the real runtime: a gateway of its own whose ADYEN_API_BASE points
// at a local server speaking Adyen's Checkout API (tests/support/fake-adyen.mjs, built from
// the examples of Adyen's OpenAPI document). Checks the exact requests Kassa sends (one
// /payments per attempt with the card, manual capture, the gateway's returnUrl; captures,
// cancels and refunds by pspReference with Kassa's references and idempotency keys), that
// credentials are stored sealed and never shown, that declines are failed P0010 and errors
// P0050, that 3-D Secure is Adyen's redirect and completes through /payments/details with the
// redirectResult the payer brings back, that captures, cancels and refunds answered
// "received" leave the payment (or refund) waiting for Adyen's notification, and that an
// authorisation whose answer was lost stays unknown (Adyen has no status API) until its
// notification, or, where none comes, is given up by the alarm's second query with one
// standalone cancel (POST /cancels by Kassa's reference), the card page open again. The
// notifications themselves go to the inbound endpoint (`POST /providers/adyen/{account}/
// notifications`); where this build has none, those steps are skipped, said so in the output.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startGateway, devVars } from '../support/gateway.mjs';
import { startFakeAdyen } from '../support/fake-adyen.mjs';
import { Payer } from '../support/payer.mjs';
import { paymentBody, clientOf, eventually, sleep } from '../support/api.mjs';
import { core } from '../support/core.mjs';

const API_KEY = 'AQEyhmfxKfA0KassaFakeAdyenWebServiceUser00009876';
const MERCHANT = 'KassaTestECOM';
const HMAC_KEY = randomBytes(32).toString('hex').toUpperCase();
const ADMIN_TOKEN = devVars().ADMIN_TOKEN;
const DECLINED = { status: 'failed', finished: true, code: 'P0010', message: 'Payment method rejected' };
const ERROR = { status: 'error', finished: true, code: 'P0050', message: 'Payment provider returned an error' };
let adyen;
let gateway;
let account;
let inbound = false; // whether this build has the inbound notification endpoint

const { call } = clientOf(() => gateway.url);
const admin = (path, opts = {}) => call(`/admin/v1${path}`, { token: ADMIN_TOKEN, ...opts });
const api = (path, opts = {}) => call(`/v1${path}`, { token: account.key, ...opts });
const payment = async (id) => (await api(`/payments/${id}`)).json;
const notificationsUrl = () => `${gateway.url}/providers/adyen/${account.id}/notifications`;


function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

/** A card sealed, as tokenize() seals it, to the key the gateway publishes in its card forms. */
async function sealedCard(number) {
  const preview = await (await fetch(`${gateway.url}/checkout/preview`)).text();
  const gatewayKey = /data-kassa-key="([^"]+)"/.exec(preview)[1];
  return core.seal_card_for(gatewayKey, number, '123', `publishable:${account.pk}`, Date.now(), randomBytes(32));
}

/** Adyen's answers Kassa's requests about a payment got, as "METHOD /path". */
const calls = (ref) => adyen.for(ref).map((r) => `${r.method} ${r.path}`);
/** Where Adyen sends the payer back after 3-D Secure: the gateway's return page for the payment. */
const returnUrl = (paymentId) => `${gateway.url}/pay/${account.id}/${paymentId}/3ds/return`;

/** Sends Adyen's queued notifications about a payment to the gateway, as Adyen does. */
async function deliver(paymentId, filter = () => true) {
  const items = adyen.itemsFor(paymentId).filter(filter);
  assert.ok(items.length > 0, `notifications queued for ${paymentId}`);
  const res = await adyen.notify(notificationsUrl(), items);
  assert.equal(res.status, 200, res.text);
  return res;
}

/** Whether to stop here for want of the inbound endpoint: the whole test is then skipped, or its rest. */
function skipWithoutInbound(t, { whole = false } = {}) {
  if (inbound) return false;
  const why = 'no inbound notification endpoint in this build';
  if (whole) t.skip(why);
  else t.diagnostic(`${why}: the notification steps are skipped`);
  return true;
}

before(async () => {
  adyen = await startFakeAdyen({ apiKey: API_KEY, merchantAccount: MERCHANT, hmacKey: HMAC_KEY });
  gateway = await startGateway({ name: 'gateway-adyen', vars: { ADYEN_API_BASE: adyen.url } });
  const created = await admin('/accounts', { method: 'POST' });
  account = { id: created.json.account_id, key: created.json.api_key, pk: created.json.publishable_keys.test };
});

after(async () => {
  await gateway?.stop();
  await adyen?.close();
});

test('Adyen credentials are required, validated, stored sealed and never shown', async () => {
  const missing = await admin(`/accounts/${account.id}`, { method: 'PATCH', body: { payment_provider: 'adyen' } });
  assert.equal(missing.status, 422, missing.text);
  assert.equal(missing.json.field, 'provider_credentials');
  const bad = await admin(`/accounts/${account.id}`, {
    method: 'PATCH', body: { payment_provider: 'adyen', provider_credentials: { api_key: API_KEY } },
  });
  assert.equal(bad.status, 422);
  assert.equal(bad.json.field, 'provider_credentials');

  const ok = await admin(`/accounts/${account.id}`, {
    method: 'PATCH',
    body: { payment_provider: 'adyen', provider_credentials: { api_key: API_KEY, merchant_account: MERCHANT, hmac_key: HMAC_KEY } },
  });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.payment_provider, 'adyen');
  assert.deepEqual(ok.json.configured_credentials, {
    adyen: { test: { api_key: '…9876', merchant_account: MERCHANT, hmac_key: `…${HMAC_KEY.slice(-4)}` } },
  });
  assert.ok(!ok.text.includes(API_KEY.slice(0, -4)) && !ok.text.includes(HMAC_KEY.slice(0, -4)), 'never echoed');

  // Nothing on disk holds the key or the HMAC key in plaintext.
  const stored = files(gateway.stateDir);
  assert.ok(stored.some((f) => f.endsWith('.sqlite')));
  for (const file of stored) {
    const bytes = readFileSync(file);
    assert.ok(!bytes.includes(API_KEY.slice(0, -4)) && !bytes.includes(HMAC_KEY.slice(0, -4)), `${file} holds a secret`);
  }
  assert.ok(!gateway.log().includes(API_KEY.slice(0, -4)));

  // Whether this build takes Adyen's notifications: an unsigned body is refused if it does.
  const probe = await fetch(notificationsUrl(), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
  inbound = probe.status !== 404;
});

test('a hosted Adyen payment: one /payments with the card, then a capture Adyen answers "received"', async (t) => {
  const p = (await api('/payments', { method: 'POST', body: paymentBody({ description: 'Council tax & more' }) })).json;
  assert.equal(p.payment_provider, 'adyen');
  const done = await new Payer({ base: gateway.url }).pay(p._links.next_url.href, '4111111111111111');
  assert.equal(done.status, 303);
  assert.equal(done.location, 'https://shop.example/return');

  const after = await payment(p.payment_id);
  assert.deepEqual(after.state, { status: 'success', finished: true });
  assert.match(after.provider_id, /^F\d{15}$/);
  // Taken by Adyen, not yet confirmed by its CAPTURE notification.
  assert.equal(after.refund_summary.status, 'pending');
  const psp = after.provider_id;

  const sent = adyen.for(p.payment_id);
  assert.deepEqual(sent.map((r) => `${r.method} ${r.path}`), ['POST /v71/payments', `POST /v71/payments/${psp}/captures`]);
  for (const r of sent) {
    assert.equal(r.headers['x-api-key'], API_KEY);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.headers.authorization, undefined);
  }
  const [authorise, capture] = sent;
  // Events 1 created, 2 started, 3 submitted: the third attempt-numbered key.
  assert.equal(authorise.headers['idempotency-key'], `kassa-${p.payment_id}-authorise-3`);
  const { returnUrl: sentReturn, ...rest } = authorise.json;
  assert.match(sentReturn, new RegExp(`^${returnUrl(p.payment_id).replace(/[.?]/g, '\\$&')}\\?k=[0-9a-f]{32}$`));
  assert.deepEqual(rest, {
    merchantAccount: MERCHANT,
    reference: p.payment_id,
    amount: { currency: 'GBP', value: 1450 },
    paymentMethod: { type: 'scheme', number: '4111111111111111', expiryMonth: '12', expiryYear: '2030', cvc: '123', holderName: 'Mx Test Payer' },
    shopperInteraction: 'Ecommerce',
    channel: 'Web',
    additionalData: { manualCapture: 'true' },
    merchantOrderReference: 'INV-2026-001',
  });
  assert.equal(capture.headers['idempotency-key'], `kassa-${p.payment_id}-capture`);
  assert.deepEqual(capture.json, { merchantAccount: MERCHANT, amount: { currency: 'GBP', value: 1450 }, reference: p.payment_id });
  assert.equal(adyen.payments.get(psp).status, 'captured');
  assert.ok(!gateway.log().includes('4111111111111111'), 'the card number is never logged');

  if (skipWithoutInbound(t)) return;
  // Adyen's notifications: AUTHORISATION (nothing to do: already authorised), then CAPTURE,
  // which confirms the capture; sent twice, the second changes nothing.
  await deliver(p.payment_id);
  await eventually(async () => (await payment(p.payment_id)).refund_summary.status === 'available', 'the CAPTURE notification');
  await deliver(p.payment_id);
  assert.deepEqual((await payment(p.payment_id)).state, { status: 'success', finished: true });
});

test('Adyen refusals fail with P0010 and acquirer errors end in error P0050', async () => {
  for (const [number, name, state] of [
    ['4000000000000002', undefined, DECLINED],
    ['4111111111111111', 'DECLINED', DECLINED],
    ['4111111111111111', 'CARD_EXPIRED', DECLINED],
    ['4000000000000119', undefined, ERROR],
    ['4111111111111111', 'ERROR', ERROR],
  ]) {
    const p = (await api('/payments', { method: 'POST', body: paymentBody() })).json;
    const page = await new Payer({ base: gateway.url }).pay(p._links.next_url.href, number, { name });
    assert.equal(page.status, 200, `${number} ${name}`);
    if (state === DECLINED) assert.match(page.html, /declined/, `${number} ${name}`);
    assert.deepEqual((await payment(p.payment_id)).state, state, `${number} ${name}`);
    assert.deepEqual(calls(p.payment_id), ['POST /v71/payments'], 'one request, nothing captured');
  }
});

test('3-D Secure is Adyen\'s redirect: the payer comes back with redirectResult, /payments/details authorises, captured once', async () => {
  const p = (await api('/payments', { method: 'POST', body: paymentBody({ reference: '3DS-ADYEN' }) })).json;
  const payer = new Payer({ base: gateway.url });
  const page = await payer.pay(p._links.next_url.href, '4212345678901237');
  assert.equal(page.status, 200);
  const link = Payer.continueLink(page.html);
  assert.ok(link?.startsWith(`${adyen.url}/checkoutshopper/threeDS/redirect?token=`), `the page leads to Adyen's redirect: ${link}`);
  const waiting = await payment(p.payment_id);
  assert.deepEqual(waiting.state, { status: 'started', finished: false });
  assert.equal(waiting.authorisation_summary?.three_d_secure?.required, true);
  assert.deepEqual(calls(p.payment_id), ['POST /v71/payments'], 'one authorisation, native 3-D Secure never asked for');
  assert.equal(adyen.for(p.payment_id)[0].json.authenticationData, undefined);

  // Adyen sends the payer back to the returnUrl the payment carried (with the attempt's
  // key), adding redirectResult; the gateway hands that to /payments/details, which decides.
  const back = await payer.authenticate(page, 'Complete authentication');
  assert.ok(back.back.location.startsWith(`${adyen.for(p.payment_id)[0].json.returnUrl}&redirectResult=`), back.back.location);
  assert.match(back.html, /action="[^"]+\/confirm"/, 'the confirm page');
  const redirectResult = new URL(back.back.location).searchParams.get('redirectResult');
  const detailsCalls = adyen.requests.filter((r) => r.path === '/v71/payments/details' && r.json?.details?.redirectResult === redirectResult);
  assert.equal(detailsCalls.length, 1, 'the payer\'s return was sent to /payments/details once');
  const [detailsCall] = detailsCalls;
  assert.deepEqual(detailsCall.json, { details: { redirectResult } });
  assert.match(detailsCall.headers['idempotency-key'], new RegExp(`^kassa-${p.payment_id}-details-\\d+$`));
  const authorised = await payment(p.payment_id);
  assert.deepEqual(authorised.state, { status: 'submitted', finished: false });

  const done = await payer.confirm(back);
  assert.equal(done.location, 'https://shop.example/return');
  const after = await payment(p.payment_id);
  assert.deepEqual(after.state, { status: 'success', finished: true });
  assert.equal(after.authorisation_summary?.three_d_secure?.required, true);
  assert.deepEqual(calls(after.provider_id).filter((c) => c.includes('/captures')), [`POST /v71/payments/${after.provider_id}/captures`]);
});

/**
 * A POST redirect: the page's form to Adyen, with the action's data, posted as the payer's
 * browser does; then the answer on the issuer's page, and the way back to the gateway.
 */
async function postRedirect(payer, page, button) {
  const form = /<form method="post" action="([^"]+)" id="provider-form">([\s\S]*?)<\/form>/.exec(page.html);
  assert.ok(form, `a form to the provider:\n${page.html}`);
  const unescape = (t) => t.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
  const fields = Object.fromEntries([...form[2].matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map(([, k, v]) => [unescape(k), unescape(v)]));
  const action = unescape(form[1]);
  const challenge = await payer.request(action, { method: 'POST', form: fields });
  assert.equal(challenge.status, 200, challenge.html);
  const value = button === 'Complete authentication' ? 'complete' : 'fail';
  const answer = /<form method="post" action="([^"]+)">/.exec(challenge.html)[1].replace(/&amp;/g, '&');
  const back = await payer.request(new URL(answer, action).href, { method: 'POST', form: { result: value } });
  assert.equal(back.status, 303);
  return { ...(await payer.go(back.location)), fields, action, back };
}

test('3-D Secure by a POST redirect: the page posts the action\'s data to Adyen, and the return completes it', async () => {
  const p = (await api('/payments', { method: 'POST', body: paymentBody() })).json;
  const payer = new Payer({ base: gateway.url });
  const page = await payer.pay(p._links.next_url.href, '4000000000003220');
  assert.equal(Payer.continueLink(page.html), undefined, 'a form, not a link');
  const back = await postRedirect(payer, page, 'Complete authentication');
  assert.equal(back.action, `${adyen.url}/checkoutshopper/threeDS/redirect`);
  assert.deepEqual(Object.keys(back.fields).sort(), ['MD', 'PaReq', 'TermUrl']);
  assert.equal(back.fields.TermUrl, adyen.for(p.payment_id)[0].json.returnUrl);
  assert.match(back.html, /action="[^"]+\/confirm"/, 'the confirm page');
  const done = await payer.confirm(back);
  assert.equal(done.location, 'https://shop.example/return');
  assert.deepEqual((await payment(p.payment_id)).state, { status: 'success', finished: true });
});

test('3-D Secure failed at the issuer: Adyen refuses (3D Not Authenticated), failed P0010, nothing captured', async () => {
  const p = (await api('/payments', { method: 'POST', body: paymentBody() })).json;
  const payer = new Payer({ base: gateway.url });
  const page = await payer.pay(p._links.next_url.href, '4212345678901237');
  const back = await payer.authenticate(page, 'Fail authentication');
  assert.equal(back.status, 200);
  assert.match(back.html, /declined/);
  assert.deepEqual((await payment(p.payment_id)).state, DECLINED);
  assert.ok(!adyen.requests.some((r) => r.path.endsWith('/captures') && r.json?.reference === p.payment_id));
});

test('cancelling an authorised Adyen payment sends a cancel by pspReference', async (t) => {
  const p = (await api('/payments', { method: 'POST', body: paymentBody({ delayed_capture: true }) })).json;
  await new Payer({ base: gateway.url }).pay(p._links.next_url.href, '5555555555554444');
  const capturable = await payment(p.payment_id);
  assert.equal(capturable.state.status, 'capturable');
  const psp = capturable.provider_id;
  assert.equal((await api(`/payments/${p.payment_id}/cancel`, { method: 'POST' })).status, 204);
  const cancel = adyen.for(psp).find((r) => r.path.endsWith('/cancels'));
  assert.ok(cancel, 'a cancel was sent');
  assert.equal(cancel.path, `/v71/payments/${psp}/cancels`);
  assert.equal(cancel.headers['idempotency-key'], `kassa-${p.payment_id}-cancel`);
  assert.deepEqual(cancel.json, { merchantAccount: MERCHANT, reference: p.payment_id });
  assert.equal(adyen.payments.get(psp).status, 'cancelled');
  assert.deepEqual((await payment(p.payment_id)).state, { status: 'cancelled', finished: true, code: 'P0040', message: 'Payment was cancelled by the service' });
  if (skipWithoutInbound(t)) return;
  await deliver(p.payment_id, (i) => i.eventCode === 'CANCELLATION');
  assert.deepEqual((await payment(p.payment_id)).state.status, 'cancelled');
});

test('a refund is sent with the payment and refund in its reference and stays submitted until Adyen\'s REFUND notification', async (t) => {
  // A refund needs the capture confirmed, which only the CAPTURE notification does.
  if (skipWithoutInbound(t, { whole: true })) return;
  const p = (await api('/payments', { method: 'POST', body: paymentBody() })).json;
  await new Payer({ base: gateway.url }).pay(p._links.next_url.href, '4111111111111111');
  await deliver(p.payment_id);
  await eventually(async () => (await payment(p.payment_id)).refund_summary.status === 'available', 'the capture');
  const psp = (await payment(p.payment_id)).provider_id;

  const refund = await api(`/payments/${p.payment_id}/refunds`, { method: 'POST', body: { amount: 500 } });
  assert.equal(refund.status, 202, refund.text);
  const rid = refund.json.refund_id;
  const sent = adyen.for(psp).find((r) => r.path.endsWith('/refunds'));
  assert.equal(sent.path, `/v71/payments/${psp}/refunds`);
  assert.equal(sent.headers['idempotency-key'], `kassa-refund-${rid}`);
  assert.deepEqual(sent.json, { merchantAccount: MERCHANT, amount: { currency: 'GBP', value: 500 }, reference: `${p.payment_id}.${rid}` });
  assert.equal((await api(`/payments/${p.payment_id}/refunds/${rid}`)).json.status, 'submitted');

  await deliver(p.payment_id, (i) => i.eventCode === 'REFUND');
  await eventually(async () => (await api(`/payments/${p.payment_id}/refunds/${rid}`)).json.status === 'success', 'the REFUND notification');
});

test('a notification that does not verify changes nothing', async (t) => {
  if (skipWithoutInbound(t, { whole: true })) return;
  const p = (await api('/payments', { method: 'POST', body: paymentBody() })).json;
  await new Payer({ base: gateway.url }).pay(p._links.next_url.href, '4111111111111111');
  const items = adyen.itemsFor(p.payment_id);
  const otherKey = randomBytes(32).toString('hex');
  for (const opts of [{ key: otherKey }, { signed: false }, { liveClaim: true }]) {
    const res = await adyen.notify(notificationsUrl(), items, opts);
    assert.notEqual(res.status, 200, JSON.stringify(opts));
  }
  assert.equal((await payment(p.payment_id)).refund_summary.status, 'pending', 'the capture is not confirmed');
});

test('a sealed card (tokenize) is authorised with one /payments and captured', async () => {
  const sealed = await sealedCard('4111111111111111');
  const res = await api('/payments', { method: 'POST', body: paymentBody({ reference: 'TOK-ADYEN', sealed_card: sealed }) });
  assert.equal(res.status, 201, res.text);
  assert.deepEqual(res.json.state, { status: 'success', finished: true });
  const id = res.json.payment_id;
  assert.deepEqual(calls(id), ['POST /v71/payments', `POST /v71/payments/${res.json.provider_id}/captures`]);
  assert.equal(adyen.for(id)[0].json.paymentMethod.number, '4111111111111111');
});

test('an authorisation whose answer is lost stays started (Adyen has no status API) until its notification', async (t) => {
  const p = (await api('/payments', { method: 'POST', body: paymentBody() })).json;
  adyen.inject('payments', 'hang');
  const page = await new Payer({ base: gateway.url }).pay(p._links.next_url.href, '4111111111111111', { confirm: false });
  assert.match(page.html, /being processed/);
  assert.deepEqual((await payment(p.payment_id)).state, { status: 'started', finished: false });
  const psp = [...adyen.payments].find(([, v]) => v.reference === p.payment_id)?.[0];
  assert.ok(psp, 'Adyen authorised it');
  assert.deepEqual(calls(p.payment_id), ['POST /v71/payments'], 'the card is never sent again');
  if (skipWithoutInbound(t)) return;
  await deliver(p.payment_id, (i) => i.eventCode === 'AUTHORISATION');
  const resolved = await eventually(async () => {
    const now = await payment(p.payment_id);
    return now.state.status === 'submitted' && now;
  }, 'the AUTHORISATION notification');
  assert.equal(resolved.provider_id, psp);
});

test('a lost authorisation that no notification resolves is given up: one standalone cancel, the card page again, a late AUTHORISATION ignored', async (t) => {
  const p = (await api('/payments', { method: 'POST', body: paymentBody() })).json;
  adyen.inject('payments', 'hang');
  const payer = new Payer({ base: gateway.url });
  const page = await payer.pay(p._links.next_url.href, '4111111111111111', { confirm: false });
  assert.match(page.html, /being processed/);
  const psp = [...adyen.payments].find(([, v]) => v.reference === p.payment_id)?.[0];
  assert.ok(psp, 'Adyen authorised it');
  const paymentPage = `/pay/${account.id}/${p.payment_id}`;
  const cardForm = (html) => /action="[^"]+\/card"/.test(html);
  assert.ok(!cardForm((await payer.go(paymentPage)).html), 'no card form while the authorisation is in doubt');

  // No notification is delivered: the alarm's first query waits, its second gives up.
  await eventually(async () => cardForm((await payer.go(paymentPage)).html), 'the give-up and the card page again');
  const cancels = adyen.requests.filter((r) => r.path === '/v71/cancels' && r.json?.paymentReference === p.payment_id);
  assert.equal(cancels.length, 1, 'exactly one standalone cancel');
  const [cancel] = cancels;
  assert.equal(cancel.headers['x-api-key'], API_KEY);
  assert.match(cancel.headers['idempotency-key'], new RegExp(`^kassa-${p.payment_id}-giveup-\\d+$`));
  assert.deepEqual(cancel.json, { merchantAccount: MERCHANT, paymentReference: p.payment_id, reference: p.payment_id });
  assert.equal(adyen.payments.get(psp).status, 'cancelled', 'the hold Adyen made is cancelled');
  assert.deepEqual(adyen.standaloneCancels.filter((c) => c.paymentReference === p.payment_id).map((c) => c.cancelled), [[psp]]);
  assert.deepEqual(calls(p.payment_id), ['POST /v71/payments', 'POST /v71/cancels'], 'the card is never sent again');
  assert.deepEqual((await payment(p.payment_id)).state, { status: 'started', finished: false });

  if (!skipWithoutInbound(t)) {
    // Adyen's AUTHORISATION notification, late (and the TECHNICAL_CANCEL): nothing is in
    // flight any more, so neither changes the payment.
    await deliver(p.payment_id);
    const after = await payment(p.payment_id);
    assert.deepEqual(after.state, { status: 'started', finished: false });
    assert.equal(after.provider_id ?? null, null);
    assert.ok(cardForm((await payer.go(paymentPage)).html), 'still the card page');
  }

  // The payer tries again on the same page and pays; still one standalone cancel.
  const done = await payer.pay(paymentPage, '5555555555554444');
  assert.equal(done.location, 'https://shop.example/return');
  const paid = await payment(p.payment_id);
  assert.deepEqual(paid.state, { status: 'success', finished: true });
  assert.notEqual(paid.provider_id, psp);
  assert.equal(adyen.requests.filter((r) => r.path === '/v71/cancels' && r.json?.paymentReference === p.payment_id).length, 1);
});
