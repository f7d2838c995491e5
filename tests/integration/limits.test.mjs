// Per-account rate limits (GOV.UK Pay's defaults) and payment expiry by alarm.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { api, newAccount, paymentBody, BASE } from '../support/api.mjs';
import { Payer } from '../support/payer.mjs';

/**
 * Posts `body`, or `total` bytes of filler, with no Content-Length (chunked encoding, one
 * 64 KB chunk at a time), as a client streaming its request does.
 */
function chunkedPost(path, { headers = {}, total = 8 * 1024 * 1024, body } = {}) {
  const chunk = Buffer.alloc(64 * 1024, 'x');
  return new Promise((resolve, reject) => {
    const req = http.request(`${BASE}${path}`, { method: 'POST', headers: { ...headers, 'Transfer-Encoding': 'chunked' } }, (res) => {
      const parts = [];
      res.on('data', (d) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(parts).toString() }));
    });
    req.on('error', reject);
    if (body !== undefined) {
      req.end(body);
      return;
    }
    let sent = 0;
    const pump = () => {
      while (sent < total) {
        sent += chunk.length;
        if (!req.write(chunk)) return req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

/**
 * Sends `n` creates at once; returns the answers and the most a token bucket of `rate` a
 * second (holding `rate`) can have let through over the burst's duration. The bound, not
 * the clock, is asserted: a slow machine lets more through, never more than the rule.
 */
async function burst(key, n, rate) {
  const started = Date.now();
  const results = await Promise.all(Array.from({ length: n }, (_, i) =>
    api(key, '/payments', { method: 'POST', body: paymentBody({ reference: `burst-${i}` }) })));
  const seconds = (Date.now() - started) / 1000;
  return { results, allowed: rate + Math.ceil(rate * seconds) };
}

test('POSTs beyond the rate (GOV.UK Pay\'s 15 a second by default) are 429 P0900 with Retry-After, and change nothing', async () => {
  for (const [rate, settings] of [[15, undefined], [2, { rate_limits: { post_per_second: 2, other_per_second: 75 } }]]) {
    const { key } = await newAccount(settings);
    const { results, allowed } = await burst(key, 30, rate);
    const limited = results.filter((r) => r.status === 429);
    const created = results.filter((r) => r.status === 201);
    assert.equal(created.length + limited.length, 30);
    assert.ok(created.length <= allowed, `${created.length} created at ${rate}/s, at most ${allowed} allowed`);
    for (const r of limited) {
      assert.equal(r.json.code, 'P0900');
      assert.match(r.headers.get('retry-after'), /^\d+$/);
    }
    assert.equal((await api(key, '/payments?display_size=500')).json.total, created.length);
    // At 2 a second a burst of 30 is mostly refused, on any machine.
    if (rate === 2) assert.ok(limited.length > 0, 'none limited at 2/s');
  }
});

test('rate limits are per account', async () => {
  const a = await newAccount();
  const b = await newAccount();
  await Promise.all(Array.from({ length: 20 }, () => api(a.key, '/payments', { method: 'POST', body: paymentBody() })));
  const res = await api(b.key, '/payments', { method: 'POST', body: paymentBody() });
  assert.equal(res.status, 201);
});

test('an account\'s configured expiry window expires unfinished payments by alarm', async () => {
  const { key } = await newAccount({ payment_expiry_minutes: 1 });
  const p = (await api(key, '/payments', { method: 'POST', body: paymentBody() })).json;
  const other = (await api(key, '/payments', { method: 'POST', body: paymentBody() })).json;
  await api(key, `/payments/${other.payment_id}/cancel`, { method: 'POST' });
  // The alarm fires at the deadline (60 s); poll rather than sleep a fixed time.
  const deadline = Date.now() + 120_000;
  let state;
  while (Date.now() < deadline) {
    state = (await api(key, `/payments/${p.payment_id}`)).json.state;
    if (state.finished) break;
    await new Promise((r) => setTimeout(r, 2000));
  }
  assert.deepEqual(state, { status: 'failed', finished: true, code: 'P0020', message: 'Payment expired' });
  const events = (await api(key, `/payments/${p.payment_id}/events`)).json.events.map((e) => e.state.status);
  assert.deepEqual(events, ['created', 'failed']);
  // A payment that finished before its deadline is left alone.
  assert.equal((await api(key, `/payments/${other.payment_id}`)).json.state.status, 'cancelled');
});

test('a body without Content-Length is cut off at 64 KB: 413 P0920, nothing changed', async () => {
  const { key } = await newAccount();
  const headers = { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' };
  const res = await chunkedPost('/v1/payments', { headers });
  assert.equal(res.status, 413, res.text);
  assert.equal(JSON.parse(res.text).code, 'P0920');
  assert.equal((await api(key, '/payments')).json.total, 0, 'nothing was created');
  // A body under the limit still works without Content-Length.
  const small = await chunkedPost('/v1/payments', { headers, body: JSON.stringify(paymentBody()) });
  assert.equal(small.status, 201, small.text);
});

test('a hosted form over 64 KB is 413 and changes nothing', async () => {
  const { key } = await newAccount();
  const p = (await api(key, '/payments', { method: 'POST', body: paymentBody() })).json;
  const payer = new Payer();
  const form = await payer.go(p._links.next_url.href);
  const action = /action="([^"]+\/card)"/.exec(form.html)[1];
  const huge = await chunkedPost(action, { headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: payer.cookieHeader() } });
  assert.equal(huge.status, 413, huge.text);
  assert.match(huge.text, /Request too large/);
  const after = (await api(key, `/payments/${p.payment_id}`)).json;
  assert.equal(after.state.status, 'started', 'the payment is as it was');
  // The same form within the limit is taken as usual.
  const confirm = await payer.go(action, {
    method: 'POST',
    form: { csrf: Payer.csrf(form.html), 'card-no': '4242424242424242', 'expiry-date': '12/30', cvc: '123', 'cardholder-name': 'Mx Test Payer' },
  });
  assert.match(confirm.html, /action="[^"]+\/confirm"/);
});
