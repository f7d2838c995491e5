// kassa-core's `Stripe-Signature` (compiled to wasm) against Node's crypto, computed as
// Stripe documents it: hex HMAC-SHA256 of `${t}.${body}` keyed with the whole `whsec_…`
// string. Both ways: Kassa's header is Node's, and Node's header verifies in Kassa (with
// the timestamp tolerance of 5 minutes, either way).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { core } from '../support/core.mjs';

const bodies = [
  '{}',
  '{"id":"evt_1","object":"event","type":"payment_intent.succeeded","livemode":false}',
  '{"description":"café, naïve, 日本語, 💳"}',
  'x'.repeat(16 * 1024),
];
for (let i = 0; i < 30; i++) bodies.push(randomBytes(1 + (i * 53) % 4096).toString('latin1'));
const secrets = ['whsec_test_secret', `whsec_${randomBytes(24).toString('base64url')}`];
const node = (secret, t, body) => createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex');

test('Stripe-Signature equals Node crypto over `${t}.${body}`, and Node\'s verifies', () => {
  const t = 1_800_000_000;
  for (const secret of secrets) {
    for (const text of bodies) {
      const body = Buffer.from(text, 'utf8');
      const v1 = node(secret, t, body);
      assert.equal(core.stripe_signature_header(secret, t, body), `t=${t},v1=${v1}`);
      assert.ok(core.verify_stripe_signature(secret, body, `t=${t},v1=${v1}`, t * 1000));
      assert.ok(!core.verify_stripe_signature(`${secret}x`, body, `t=${t},v1=${v1}`, t * 1000));
    }
  }
});

test('the timestamp is checked against now, 5 minutes either way', () => {
  const secret = secrets[1];
  const body = Buffer.from(bodies[1]);
  const now = 1_800_000_000;
  for (const [t, ok] of [[now, true], [now - 300, true], [now + 300, true], [now - 301, false], [now + 301, false]]) {
    const header = `t=${t},v1=${node(secret, t, body)}`;
    assert.equal(core.verify_stripe_signature(secret, body, header, now * 1000), ok, String(t - now));
  }
});
