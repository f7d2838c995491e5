// 3-D Secure on the sandbox, over HTTP as a browser without JavaScript would go: the three
// test cards on the hosted pages (challenge completed or failed, challenge then declined,
// frictionless), a sealed card that needs authentication (201 `started` with `next_url`),
// and what cancelling, expiring, refreshing and forged returns do to a payment waiting for
// the payer's authentication.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { BASE, admin, api as call, paymentBody } from '../support/api.mjs';
import { Payer } from '../support/payer.mjs';
import { core } from '../support/core.mjs';

const created = await admin('/accounts', { method: 'POST' });
const account = { id: created.json.account_id, key: created.json.api_key, pk: created.json.publishable_keys.test };
await admin(`/accounts/${account.id}`, { method: 'PATCH', body: { rate_limits: { post_per_second: 1000, other_per_second: 1000 } } });
const api = (path, opts) => call(account.key, path, opts);
const payment = async (id) => (await api(`/payments/${id}`)).json;
const statuses = async (id) => (await api(`/payments/${id}/events`)).json.events.map((e) => e.state.status);
const preview = await (await fetch(`${BASE}/checkout/preview`)).text();
const gatewayKey = /data-kassa-key="([^"]+)"/.exec(preview)[1];

const CHALLENGE = '4000000000003220';
const CHALLENGE_THEN_DECLINE = '4000008400001629';
const FRICTIONLESS = '4000000000003055';

/** Opens the payment and submits `number` without confirming: the page after the card. */
async function toChallenge(number, overrides = {}) {
  const p = (await api('/payments', { method: 'POST', body: paymentBody(overrides) })).json;
  const payer = new Payer();
  const page = await payer.pay(p._links.next_url.href, number, { confirm: false });
  return { p, payer, page };
}

/** Presses one of the sandbox challenge page's buttons. */
async function answer(payer, page, result) {
  const action = Payer.action(page.html);
  assert.match(action, /\/3ds$/);
  assert.match(page.html, new RegExp(`name="result" value="${result}"`));
  return payer.go(action, { method: 'POST', form: { csrf: Payer.csrf(page.html), result } });
}

test('a challenge card shows the sandbox challenge; completing it leads to the confirm page and success', async () => {
  const { p, payer, page } = await toChallenge(CHALLENGE);
  assert.equal(page.status, 200);
  assert.match(page.html, /Complete authentication/);
  assert.match(page.html, /Fail authentication/);
  assert.match(page.headers.get('content-security-policy'), /frame-ancestors 'none'/);
  const waiting = await payment(p.payment_id);
  assert.deepEqual(waiting.state, { status: 'started', finished: false });
  assert.deepEqual(waiting.authorisation_summary, { three_d_secure: { required: true, version: '2.2.0' } });
  assert.equal(waiting._links.next_url?.method, 'GET', 'the payer can still come back to authenticate');
  assert.equal(waiting._links.cancel?.method, 'POST', 'the service may cancel, as GOV.UK Pay allows in started');

  // A refresh shows the challenge again and changes nothing.
  const again = await payer.go(`/pay/${account.id}/${p.payment_id}`);
  assert.match(again.html, /Complete authentication/);
  const confirmPage = await answer(payer, again, 'complete');
  assert.match(confirmPage.html, /action="[^"]+\/confirm"/);
  assert.deepEqual((await payment(p.payment_id)).state, { status: 'submitted', finished: false });
  // The challenge's form posted twice (back button, double click) changes nothing.
  const twice = await answer(payer, again, 'complete');
  assert.match(twice.html, /action="[^"]+\/confirm"/);

  const done = await payer.request(Payer.action(confirmPage.html), { method: 'POST', form: { csrf: Payer.csrf(confirmPage.html) } });
  assert.equal(done.status, 303);
  assert.equal(done.location, paymentBody().return_url);
  const after = await payment(p.payment_id);
  assert.deepEqual(after.state, { status: 'success', finished: true });
  assert.deepEqual(after.authorisation_summary, { three_d_secure: { required: true, version: '2.2.0' } });
  assert.equal(after.card_details.card_type, 'credit');
  // GOV.UK Pay's events list state changes only: 3-D Secure is all `started`.
  assert.deepEqual(await statuses(p.payment_id), ['created', 'started', 'submitted', 'success']);
});

test('a failed challenge is declined (failed P0010); the 1629 card is declined after a completed challenge', async () => {
  for (const [number, result] of [[CHALLENGE, 'fail'], [CHALLENGE_THEN_DECLINE, 'complete'], [CHALLENGE_THEN_DECLINE, 'fail']]) {
    const { p, payer, page } = await toChallenge(number);
    const outcome = await answer(payer, page, result);
    assert.match(outcome.html, /Your payment has been declined/, `${number} ${result}`);
    const after = await payment(p.payment_id);
    assert.deepEqual(after.state, { status: 'failed', finished: true, code: 'P0010', message: 'Payment method rejected' }, `${number} ${result}`);
    assert.equal(after.authorisation_summary.three_d_secure.required, true);
  }
});

test('the frictionless card is authenticated without a challenge and reported as 3-D Secure', async () => {
  const { p, page } = await toChallenge(FRICTIONLESS);
  assert.match(page.html, /action="[^"]+\/confirm"/);
  assert.doesNotMatch(page.html, /Complete authentication/);
  const after = await payment(p.payment_id);
  assert.deepEqual(after.state, { status: 'submitted', finished: false });
  assert.deepEqual(after.authorisation_summary, { three_d_secure: { required: true, version: '2.2.0' } });
});

test('cards without 3-D Secure show no authorisation_summary', async () => {
  const { p } = await toChallenge('4444333322221111');
  assert.equal((await payment(p.payment_id)).authorisation_summary, undefined);
});

test('the sandbox challenge cannot be answered without the payer: no session, a forged CSRF token or the return URL', async () => {
  const { p, payer, page } = await toChallenge(CHALLENGE);
  const action = Payer.action(page.html);
  const stranger = new Payer();
  const noSession = await stranger.request(action, { method: 'POST', form: { csrf: Payer.csrf(page.html), result: 'complete' } });
  assert.equal(noSession.status, 404);
  const forged = await payer.request(action, { method: 'POST', form: { csrf: 'ab'.repeat(32), result: 'complete' } });
  assert.equal(forged.status, 303);
  // The provider's return endpoint never answers the sandbox's challenge, with or without a key.
  for (const query of ['', '?k=00', '?result=complete']) {
    const ret = await stranger.request(`/pay/${account.id}/${p.payment_id}/3ds/return${query}`);
    assert.equal(ret.status, 404, query);
  }
  assert.deepEqual((await payment(p.payment_id)).state, { status: 'started', finished: false });
  assert.deepEqual(await statuses(p.payment_id), ['created', 'started']);
});

test('a payer who cancels, or a service that cancels, during 3-D Secure ends the payment and its attempt', async () => {
  const { p, payer, page } = await toChallenge(CHALLENGE);
  assert.equal((await api(`/payments/${p.payment_id}/cancel`, { method: 'POST' })).status, 204);
  const after = await payment(p.payment_id);
  assert.deepEqual(after.state, { status: 'cancelled', finished: true, code: 'P0040', message: 'Payment was cancelled by the service' });
  // The challenge's answer after that changes nothing.
  const late = await answer(payer, page, 'complete');
  assert.match(late.html, /Your payment has been cancelled/);
  assert.deepEqual((await payment(p.payment_id)).state.code, 'P0040');

  const second = await toChallenge(CHALLENGE);
  const cancelled = await second.payer.go(`/pay/${account.id}/${second.p.payment_id}/cancel`, {
    method: 'POST', form: { csrf: Payer.csrf(second.page.html) },
  });
  assert.match(cancelled.html, /Your payment has been cancelled/);
  assert.equal((await payment(second.p.payment_id)).state.code, 'P0030');
});

test('a payer who never answers the challenge: the payment expires (P0020) and its attempt is released', async () => {
  await admin(`/accounts/${account.id}`, { method: 'PATCH', body: { payment_expiry_minutes: 1 } });
  const { p } = await toChallenge(CHALLENGE);
  await admin(`/accounts/${account.id}`, { method: 'PATCH', body: { payment_expiry_minutes: 90 } });
  assert.deepEqual((await payment(p.payment_id)).state, { status: 'started', finished: false });
  const deadline = Date.now() + 150_000;
  let state;
  while (Date.now() < deadline) {
    state = (await payment(p.payment_id)).state;
    if (state.finished) break;
    await new Promise((r) => setTimeout(r, 2000));
  }
  assert.deepEqual(state, { status: 'failed', finished: true, code: 'P0020', message: 'Payment expired' });
});

test('a sealed card that needs 3-D Secure answers started with next_url; the payer authenticates and lands on return_url', async () => {
  const sealed = core.seal_card_for(gatewayKey, CHALLENGE, '123', `publishable:${account.pk}`, Date.now(), randomBytes(32));
  const res = await api('/payments', { method: 'POST', body: paymentBody({ sealed_card: sealed, reference: 'TOK-3DS' }) });
  assert.equal(res.status, 201, res.text);
  assert.deepEqual(res.json.state, { status: 'started', finished: false });
  assert.equal(res.json._links.next_url.method, 'GET');
  assert.deepEqual(res.json.authorisation_summary, { three_d_secure: { required: true, version: '2.2.0' } });
  const payer = new Payer();
  const page = await payer.go(res.json._links.next_url.href);
  assert.match(page.html, /Complete authentication/);
  const done = await answer(payer, page, 'complete');
  assert.equal(done.status, 303);
  assert.equal(done.location, paymentBody().return_url);
  assert.deepEqual((await payment(res.json.payment_id)).state, { status: 'success', finished: true });

  // The failed variant: declined, and the payer sees it.
  const sealed2 = core.seal_card_for(gatewayKey, CHALLENGE, '123', `publishable:${account.pk}`, Date.now(), randomBytes(32));
  const res2 = await api('/payments', { method: 'POST', body: paymentBody({ sealed_card: sealed2, reference: 'TOK-3DS' }) });
  const payer2 = new Payer();
  const page2 = await payer2.go(res2.json._links.next_url.href);
  const failed = await answer(payer2, page2, 'fail');
  assert.match(failed.html, /Your payment has been declined/);
  assert.equal((await payment(res2.json.payment_id)).state.code, 'P0010');

  // Frictionless: authorised and captured at once, no next_url.
  const sealed3 = core.seal_card_for(gatewayKey, FRICTIONLESS, '123', `publishable:${account.pk}`, Date.now(), randomBytes(32));
  const res3 = await api('/payments', { method: 'POST', body: paymentBody({ sealed_card: sealed3, reference: 'TOK-3DS' }) });
  assert.deepEqual(res3.json.state, { status: 'success', finished: true });
  assert.equal(res3.json._links.next_url, undefined);
});
