// The hosted payment journey without JavaScript, through the real runtime: next_url, card
// details, sandbox authorisation, confirmation, return_url; then what the API shows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, newAccount, paymentBody } from '../support/api.mjs';
import { Payer } from '../support/payer.mjs';

const { key } = await newAccount();
const create = async (overrides) => (await api(key, '/payments', { method: 'POST', body: paymentBody(overrides) })).json;

test('paying with 4242424242424242 reaches return_url and the payment is success', async () => {
  const p = await create();
  const payer = new Payer();
  const done = await payer.pay(p._links.next_url.href, '4242424242424242');
  assert.equal(done.status, 303);
  assert.equal(done.location, 'https://shop.example/return');
  const after = (await api(key, `/payments/${p.payment_id}`)).json;
  assert.deepEqual(after.state, { status: 'success', finished: true });
  assert.equal(after.card_details.last_digits_card_number, '4242');
  assert.equal(after.card_details.first_digits_card_number, '424242');
  assert.equal(after.card_details.card_brand, 'Visa');
  assert.equal(after.card_details.expiry_date, '12/30');
  assert.equal(after.card_details.cardholder_name, 'Mx Test Payer');
  assert.equal(after.card_details.card_type, 'credit');
  assert.equal(after.refund_summary.status, 'available');
  assert.equal(after.refund_summary.amount_available, 1450);
  assert.equal(after._links.next_url, undefined);
  const events = (await api(key, `/payments/${p.payment_id}/events`)).json.events.map((e) => e.state.status);
  assert.deepEqual(events, ['created', 'started', 'submitted', 'success']);
});

test('a declined card fails with P0010 and a processing error ends in error P0050', async () => {
  for (const [number, state] of [
    ['4000000000000002', { status: 'failed', finished: true, code: 'P0010', message: 'Payment method rejected' }],
    ['4000000000000069', { status: 'failed', finished: true, code: 'P0010', message: 'Payment method rejected' }],
    ['4000000000000127', { status: 'failed', finished: true, code: 'P0010', message: 'Payment method rejected' }],
    ['4000000000000119', { status: 'error', finished: true, code: 'P0050', message: 'Payment provider returned an error' }],
  ]) {
    const p = await create();
    const page = await new Payer().pay(p._links.next_url.href, number);
    assert.equal(page.status, 200);
    assert.match(page.html, state.status === 'error' ? /could not take your payment/ : /declined/);
    assert.deepEqual((await api(key, `/payments/${p.payment_id}`)).json.state, state, number);
  }
});

test('card details are validated with kassa-core and errors shown in an error summary', async () => {
  const p = await create();
  const payer = new Payer();
  const form = await payer.go(p._links.next_url.href);
  const action = /action="([^"]+\/card)"/.exec(form.html)[1];
  const res = await payer.go(action, { method: 'POST', form: { csrf: Payer.csrf(form.html), 'card-no': '4242424242424241', 'expiry-date': '01/20', cvc: '12', 'cardholder-name': '' } });
  assert.equal(res.status, 422);
  assert.match(res.html, /class="error-summary"/);
  assert.match(res.html, /href="#card-no"/);
  assert.match(res.html, /href="#expiry-date"/);
  assert.match(res.html, /href="#cvc"/);
  assert.match(res.html, /href="#cardholder-name"/);
  assert.doesNotMatch(res.html, /4242424242424241/, 'the number is never echoed back');
  assert.equal((await api(key, `/payments/${p.payment_id}`)).json.state.status, 'started');
});

test('a card number typed into the name or expiry field is refused and never shown again', async () => {
  const digitsOf = (html) => html.replace(/[\s-]/g, '');
  for (const [field, value] of [
    ['cardholder-name', '4000 0566 5566 5556'],
    ['cardholder-name', 'J Smith 5555-5555-5555-4444'],
    ['cardholder-name', '4000056655665557'], // mistyped (Luhn fails): just as much a card number
    ['expiry-date', '4000056655665556'],
  ]) {
    const p = await create();
    const payer = new Payer();
    const form = await payer.go(p._links.next_url.href);
    const action = /action="([^"]+\/card)"/.exec(form.html)[1];
    const fields = { csrf: Payer.csrf(form.html), 'card-no': '4242424242424242', 'expiry-date': '12/30', cvc: '123', 'cardholder-name': 'Mx Test Payer', [field]: value };
    const res = await payer.go(action, { method: 'POST', form: fields });
    assert.equal(res.status, 422, value);
    assert.match(res.html, new RegExp(`href="#${field}"`), value);
    const digits = value.replace(/\D/g, '');
    assert.ok(!digitsOf(res.html).includes(digits.slice(0, 12)), `${value} is not in the page`);
    assert.ok(!res.html.includes(value), `${value} is not in the page`);
    assert.equal((await api(key, `/payments/${p.payment_id}`)).json.state.status, 'started');
  }
  // Welsh: the same refusal in GOV.UK Pay's Welsh wording, and no echo either.
  const p = await create({ language: 'cy' });
  const payer = new Payer();
  const form = await payer.go(p._links.next_url.href);
  const action = /action="([^"]+\/card)"/.exec(form.html)[1];
  const res = await payer.go(action, { method: 'POST', form: { csrf: Payer.csrf(form.html), 'card-no': '4242424242424242', 'expiry-date': '12/30', cvc: '123', 'cardholder-name': '4000 0566 5566 5556' } });
  assert.equal(res.status, 422);
  assert.match(res.html, /Rhowch yr enw fel y mae’n ymddangos ar y cerdyn/);
  assert.ok(!digitsOf(res.html).includes('400005665566'));
});

test('posting card details twice authorises once', async () => {
  const p = await create();
  const payer = new Payer();
  const form = await payer.go(p._links.next_url.href);
  const action = /action="([^"]+\/card)"/.exec(form.html)[1];
  const fields = { csrf: Payer.csrf(form.html), 'card-no': '4242424242424242', 'expiry-date': '12/30', cvc: '123', 'cardholder-name': 'Mx Twice' };
  const [a, b] = await Promise.all([payer.request(action, { method: 'POST', form: fields }), payer.request(action, { method: 'POST', form: fields })]);
  assert.equal(a.status, 303);
  assert.equal(b.status, 303);
  const events = (await api(key, `/payments/${p.payment_id}/events`)).json.events.map((e) => e.state.status);
  assert.deepEqual(events, ['created', 'started', 'submitted']);
});

test('next_url is one-time: reopening it needs the session, and forms need the CSRF token', async () => {
  const p = await create();
  const payer = new Payer();
  await payer.go(p._links.next_url.href);
  const again = await payer.go(p._links.next_url.href);
  assert.equal(again.status, 200, 'the same browser lands on the payment page');
  assert.match(again.html, /Enter card details/);
  const stranger = await new Payer().go(p._links.next_url.href);
  assert.equal(stranger.status, 404);
  assert.match(stranger.html, /not valid/);
  const action = /action="([^"]+\/card)"/.exec(again.html)[1];
  await payer.request(action, { method: 'POST', form: { 'card-no': '4242424242424242', 'expiry-date': '12/30', cvc: '123', 'cardholder-name': 'No Token' } });
  assert.equal((await api(key, `/payments/${p.payment_id}`)).json.state.status, 'started', 'no CSRF token, no change');
});

test('the payer can cancel: failed P0030', async () => {
  const p = await create();
  const payer = new Payer();
  const form = await payer.go(p._links.next_url.href);
  const cancel = /action="([^"]+\/cancel)"/.exec(form.html)[1];
  const page = await payer.go(cancel, { method: 'POST', form: { csrf: Payer.csrf(form.html) } });
  assert.match(page.html, /cancelled/);
  assert.equal((await api(key, `/payments/${p.payment_id}`)).json.state.code, 'P0030');
});

test('refunds: partial, full, and never more than captured', async () => {
  const p = await create({ amount: 1000 });
  await new Payer().pay(p._links.next_url.href, '4000056655665556');
  const r1 = await api(key, `/payments/${p.payment_id}/refunds`, { method: 'POST', body: { amount: 300, refund_amount_available: 1000 } });
  assert.equal(r1.status, 202, r1.text);
  assert.equal(r1.json.amount, 300);
  assert.equal(r1.json.status, 'success');
  const stale = await api(key, `/payments/${p.payment_id}/refunds`, { method: 'POST', body: { amount: 100, refund_amount_available: 1000 } });
  assert.equal(stale.status, 412);
  assert.equal(stale.json.code, 'P0604');
  const tooMuch = await api(key, `/payments/${p.payment_id}/refunds`, { method: 'POST', body: { amount: 701 } });
  assert.equal(tooMuch.status, 400);
  assert.equal(tooMuch.json.code, 'P0603');
  const rest = await api(key, `/payments/${p.payment_id}/refunds`, { method: 'POST', body: { amount: 700 } });
  assert.equal(rest.status, 202);
  const after = (await api(key, `/payments/${p.payment_id}`)).json;
  assert.deepEqual(after.refund_summary, { status: 'full', amount_available: 0, amount_submitted: 1000 });
  const list = (await api(key, `/payments/${p.payment_id}/refunds`)).json;
  assert.equal(list._embedded.refunds.length, 2);
  const one = await api(key, `/payments/${p.payment_id}/refunds/${r1.json.refund_id}`);
  assert.equal(one.status, 200);
  assert.equal(one.json.refund_id, r1.json.refund_id);
  const search = (await api(key, '/refunds')).json;
  assert.ok(search.results.some((r) => r.refund_id === r1.json.refund_id && r.payment_id === p.payment_id));
});

test('20 parallel partial refunds that together exceed the amount never refund more than it', async () => {
  const { key: k } = await newAccount({ rate_limits: { post_per_second: 1000, other_per_second: 1000 } });
  const p = (await api(k, '/payments', { method: 'POST', body: paymentBody({ amount: 1000 }) })).json;
  await new Payer().pay(p._links.next_url.href, '4242424242424242');
  const results = await Promise.all(Array.from({ length: 20 }, () =>
    api(k, `/payments/${p.payment_id}/refunds`, { method: 'POST', body: { amount: 75 } })));
  const accepted = results.filter((r) => r.status === 202);
  assert.equal(accepted.length, 13, '13 × 75 = 975 fits in 1000; the 14th would not');
  assert.ok(results.filter((r) => r.status !== 202).every((r) => r.json.code === 'P0603'));
  const after = (await api(k, `/payments/${p.payment_id}`)).json;
  assert.equal(after.refund_summary.amount_submitted, 975);
  assert.equal(after.refund_summary.amount_available, 25);
});

test('a payment takes at most 100 refunds; the 101st is 400 P0603 and changes nothing', async () => {
  const { key: k } = await newAccount({ rate_limits: { post_per_second: 1000, other_per_second: 1000 } });
  const p = (await api(k, '/payments', { method: 'POST', body: paymentBody({ amount: 1000 }) })).json;
  await new Payer().pay(p._links.next_url.href, '4242424242424242');
  for (let i = 0; i < 100; i += 1) {
    const r = await api(k, `/payments/${p.payment_id}/refunds`, { method: 'POST', body: { amount: 1 } });
    assert.equal(r.status, 202, `refund ${i + 1}: ${r.text}`);
  }
  const refused = await api(k, `/payments/${p.payment_id}/refunds`, { method: 'POST', body: { amount: 1 } });
  assert.equal(refused.status, 400, refused.text);
  assert.equal(refused.json.code, 'P0603');
  assert.match(refused.json.description, /at most 100 refunds/);
  const after = (await api(k, `/payments/${p.payment_id}`)).json;
  assert.deepEqual(after.refund_summary, { status: 'available', amount_available: 900, amount_submitted: 100 });
  assert.equal((await api(k, `/payments/${p.payment_id}/refunds`)).json._embedded.refunds.length, 100);
});

test('delayed capture: capturable after paying, 10 parallel captures capture once', async () => {
  const { key: k } = await newAccount({ rate_limits: { post_per_second: 1000, other_per_second: 1000 } });
  const p = (await api(k, '/payments', { method: 'POST', body: paymentBody({ delayed_capture: true }) })).json;
  await new Payer().pay(p._links.next_url.href, '4242424242424242');
  const before = (await api(k, `/payments/${p.payment_id}`)).json;
  assert.equal(before.state.status, 'capturable');
  assert.equal(before._links.capture.method, 'POST');
  const results = await Promise.all(Array.from({ length: 10 }, () =>
    api(k, `/payments/${p.payment_id}/capture`, { method: 'POST' })));
  assert.ok(results.every((r) => r.status === 204 || r.status === 409), results.map((r) => r.status).join());
  const after = (await api(k, `/payments/${p.payment_id}`)).json;
  assert.equal(after.state.status, 'success');
  assert.ok(after.settlement_summary.capture_submit_time);
  const events = (await api(k, `/payments/${p.payment_id}/events`)).json.events.map((e) => e.state.status);
  assert.equal(events.filter((s) => s === 'success').length, 1, 'captured once');
});
