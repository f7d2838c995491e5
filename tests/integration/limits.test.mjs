// Per-account rate limits (GOV.UK Pay's defaults; per mode; the webhook pages too; forged
// keys) and payment expiry by alarm.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { admin, api, liveKey, newAccount, paymentBody, BASE } from '../support/api.mjs';
import { Payer } from '../support/payer.mjs';
import { Receiver } from '../support/webhook-receiver.mjs';

const receivers = [];
after(async () => { for (const r of receivers) await r.stop(); });

// API keys are `api_test_` + lower-case base32 of account id (10) | key id (5) | secret (32)
// | CRC-32 (4, little-endian) over the prefix and the 47 bytes before it (core/src/credentials.rs).
const B32 = 'abcdefghijklmnopqrstuvwxyz234567';
function base32Decode(text) {
  const out = [];
  let buffer = 0; let bits = 0;
  for (const c of text) {
    buffer = (buffer << 5) | B32.indexOf(c); bits += 5;
    if (bits >= 8) { bits -= 8; out.push((buffer >> bits) & 0xff); }
    buffer &= (1 << bits) - 1;
  }
  return Buffer.from(out);
}
function base32Encode(bytes) {
  let out = ''; let buffer = 0; let bits = 0;
  for (const b of bytes) {
    buffer = (buffer << 8) | b; bits += 8;
    while (bits >= 5) { bits -= 5; out += B32[(buffer >> bits) & 31]; }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += B32[(buffer << (5 - bits)) & 31];
  return out;
}
function crc32(bytes) {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let i = 0; i < 8; i += 1) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (~crc) >>> 0;
}
/**
 * A key for `real`'s account with another secret (and, unless `sameKeyId`, another key id)
 * and a valid CRC: it passes the worker's stateless check and reaches the account's object.
 */
function forge(real, { sameKeyId }) {
  const prefix = real.slice(0, real.indexOf('_', 4) + 1);
  const bytes = base32Decode(real.slice(prefix.length));
  randomBytes(32).copy(bytes, 15);
  if (!sameKeyId) randomBytes(5).copy(bytes, 10);
  bytes.writeUInt32LE(crc32(Buffer.concat([Buffer.from(prefix), bytes.subarray(0, 47)])), 47);
  return prefix + base32Encode(bytes);
}

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

test('test traffic cannot hold back live traffic: each mode has its own buckets', async () => {
  const account = await newAccount({ rate_limits: { post_per_second: 3, other_per_second: 75 } });
  const live = await liveKey(account);
  // A test-mode burst far beyond the limit, with three live POSTs in the middle of it.
  const testPosts = Array.from({ length: 30 }, (_, i) => api(account.key, '/payments', { method: 'POST', body: paymentBody({ reference: `test-${i}` }) }));
  const livePosts = Array.from({ length: 3 }, (_, i) => api(live, '/payments', { method: 'POST', body: paymentBody({ reference: `live-${i}` }) }));
  const [tested, lived] = await Promise.all([Promise.all(testPosts), Promise.all(livePosts)]);
  assert.ok(tested.some((r) => r.status === 429), 'the test-mode burst is limited');
  // Whatever a live create answers on this account (201, or a refusal for its provider), it
  // is never the test burst's 429: the live bucket of 3 is untouched by it.
  assert.deepEqual(lived.map((r) => r.status === 429), [false, false, false], JSON.stringify(lived.map((r) => r.json)));
  assert.notEqual((await api(live, '/payments')).status, 429);
});

test('forged keys with a valid CRC are refused 429 P0900 once they flood, and the real key keeps working', async () => {
  const account = await newAccount();
  const started = Date.now();
  let refused = 0;
  const limited = [];
  const real = [];
  for (let round = 0; round < 25 && limited.length === 0; round += 1) {
    const forged = Array.from({ length: 20 }, (_, i) => api(forge(account.key, { sameKeyId: i % 2 === 0 }), '/payments'));
    const [mine, ...answers] = await Promise.all([api(account.key, '/payments'), ...forged]);
    real.push(mine.status);
    for (const r of answers) {
      if (r.status === 401) refused += 1;
      else if (r.status === 429) limited.push(r);
      else assert.fail(`a forged key was answered ${r.status}`);
    }
  }
  assert.ok(limited.length > 0, 'a flood of forged keys is limited');
  for (const r of limited) {
    assert.equal(r.json.code, 'P0900');
    assert.match(r.headers.get('retry-after'), /^\d+$/);
  }
  // 10 failures a second (and a burst of 10) are answered 401; the bound, not the clock, is asserted.
  const seconds = (Date.now() - started) / 1000;
  assert.ok(refused <= 10 + Math.ceil(10 * seconds), `${refused} forged keys answered 401 in ${seconds} s`);
  assert.deepEqual(real, real.map(() => 200), 'the real key answered 200 throughout');
  assert.equal((await api(account.key, '/payments')).status, 200);
  // The webhook pages take keys too, and are limited the same way.
  const basic = (key) => ({ Authorization: `Basic ${Buffer.from(`me:${key}`).toString('base64')}` });
  const pages = await Promise.all(Array.from({ length: 15 }, () => fetch(`${BASE}/admin/webhooks`, { headers: basic(forge(account.key, { sameKeyId: true })) })));
  assert.ok(pages.some((p) => p.status === 429), pages.map((p) => p.status).join(' '));
  assert.ok(pages.every((p) => p.status === 429 || p.status === 401));
  assert.equal((await fetch(`${BASE}/admin/webhooks`, { headers: basic(account.key) })).status, 200);
});

test('resends from the /admin/webhooks pages go through the rate limiter', async () => {
  const r = await new Receiver(() => 204).start();
  receivers.push(r);
  const { key, id } = await newAccount();
  const hook = (await api(key, '/webhooks', { method: 'POST', body: { callback_url: r.url, subscriptions: ['card_payment_failed'] } })).json;
  const p = (await api(key, '/payments', { method: 'POST', body: paymentBody() })).json;
  await api(key, `/payments/${p.payment_id}/cancel`, { method: 'POST' });
  await r.waitFor('the first delivery', () => r.deliveries.length >= 1);
  const mid = (await api(key, `/webhooks/${hook.webhook_id}/messages`)).json.results[0].message_id;
  // Now 2 POSTs a second (the change starts the buckets afresh, full).
  const patched = await admin(`/accounts/${id}`, { method: 'PATCH', body: { rate_limits: { post_per_second: 2, other_per_second: 75 } } });
  assert.equal(patched.status, 200);
  const headers = {
    Authorization: `Basic ${Buffer.from(`me:${key}`).toString('base64')}`,
    Origin: new URL(BASE).origin,
    'Content-Type': 'application/x-www-form-urlencoded',
  };
  const started = Date.now();
  const answers = await Promise.all(Array.from({ length: 20 }, () => fetch(`${BASE}/admin/webhooks/${hook.webhook_id}/messages/${mid}/resend`, { method: 'POST', redirect: 'manual', headers, body: '' })));
  const seconds = (Date.now() - started) / 1000;
  const resent = answers.filter((a) => a.status === 303);
  const limited = answers.filter((a) => a.status === 429);
  assert.equal(resent.length + limited.length, 20, answers.map((a) => a.status).join(' '));
  assert.ok(resent.length <= 2 + Math.ceil(2 * seconds), `${resent.length} resends at 2/s`);
  assert.ok(limited.length > 0, 'none limited at 2/s');
  for (const a of limited) assert.match(a.headers.get('retry-after'), /^\d+$/);
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
