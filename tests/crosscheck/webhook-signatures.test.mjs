// kassa-core's webhook signatures (compiled to wasm) against independent implementations:
// Node's crypto for GOV.UK Pay's Pay-Signature and ed25519, and the npm `standardwebhooks`
// package for Standard Webhooks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, createPublicKey, randomBytes, verify as nodeVerify } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { core } from '../support/core.mjs';

const enc = new TextEncoder();
const bodies = [
  '',
  '{}',
  '{"id":"9np5a0ag3jfu4rl7kkmhnebetq","event_type":"card_payment_succeeded"}',
  '{"description":"Pay for your licence – café, naïve, 日本語, emoji 💳"}',
  ' leading and trailing whitespace \n',
  'x'.repeat(16 * 1024),
];
for (let i = 0; i < 50; i++) bodies.push(randomBytes(1 + (i * 37) % 2048).toString('latin1'));

test('Pay-Signature equals Node crypto.createHmac(sha256, secret).digest(hex)', () => {
  const secrets = ['webhook-signing-secret', 'ünïcödé-sëcret', randomBytes(24).toString('hex')];
  for (const secret of secrets) {
    for (const body of bodies) {
      const bytes = Buffer.from(body, 'utf8');
      const expected = createHmac('sha256', secret).update(bytes).digest('hex');
      assert.equal(core.pay_signature(secret, bytes), expected);
      assert.ok(core.verify_pay_signature(secret, bytes, expected));
    }
  }
});

test('Pay-Signature verifies with the seed document\'s JavaScript snippet', () => {
  // From GOV.UK Pay's webhook documentation: how a receiver checks the header.
  const secret = 'webhook_signing_secret';
  for (const body of bodies) {
    const payload = Buffer.from(body, 'utf8');
    const header = core.pay_signature(secret, payload);
    const hmac = createHmac('sha256', secret).update(payload).digest('hex');
    assert.equal(hmac, header);
  }
});

test('Standard Webhooks v1 signatures verify with the npm standardwebhooks package', () => {
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const wh = new Webhook(secret);
  const now = Math.floor(Date.now() / 1000);
  for (const [i, body] of bodies.entries()) {
    const id = `msg_${i}_${randomBytes(8).toString('hex')}`;
    const signature = core.webhook_signature([secret], undefined, id, now, enc.encode(body));
    // The package signs the same content: both must agree byte for byte on every body.
    assert.equal(signature, wh.sign(id, new Date(now * 1000), body));
    const headers = { 'webhook-id': id, 'webhook-timestamp': String(now), 'webhook-signature': signature };
    // verify() also JSON-parses the payload, so only JSON bodies can go through it.
    let json = true;
    try { JSON.parse(body); } catch { json = false; }
    if (json) assert.deepEqual(wh.verify(body, headers), JSON.parse(body));
  }
});

test('during secret rotation both secrets\' v1 entries verify independently', () => {
  const oldSecret = `whsec_${randomBytes(32).toString('base64')}`;
  const newSecret = `whsec_${randomBytes(32).toString('base64')}`;
  const now = Math.floor(Date.now() / 1000);
  const body = '{"rotation":true}';
  const signature = core.webhook_signature([oldSecret, newSecret], undefined, 'msg_rot', now, enc.encode(body));
  assert.equal(signature.split(' ').length, 2);
  const headers = { 'webhook-id': 'msg_rot', 'webhook-timestamp': String(now), 'webhook-signature': signature };
  for (const s of [oldSecret, newSecret]) new Webhook(s).verify(body, headers);
  assert.throws(() => new Webhook(`whsec_${randomBytes(32).toString('base64')}`).verify(body, headers));
});

test('signatures made by the npm package verify in kassa-core, and tampering fails', () => {
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const wh = new Webhook(secret);
  const when = new Date();
  const body = '{"amount":1200,"reference":"ref-1"}';
  const signature = wh.sign('msg_from_npm', when, body);
  const ts = String(Math.floor(when.getTime() / 1000));
  core.webhook_verify('msg_from_npm', ts, signature, enc.encode(body), [secret], [], when.getTime(), 300_000);
  assert.throws(() => core.webhook_verify('msg_from_npm', ts, signature, enc.encode(`${body} `), [secret], [], when.getTime(), 300_000), /NoMatchingSignature/);
  assert.throws(() => core.webhook_verify('msg_from_npm', ts, signature, enc.encode(body), [secret], [], when.getTime() + 301_000, 300_000), /TooOld/);
  assert.throws(() => core.webhook_verify('msg_from_npm', ts, signature, enc.encode(body), [secret], [], when.getTime() - 301_000, 300_000), /TooNew/);
});

test('v1a ed25519 signatures verify with Node crypto and the published whpk_ key', () => {
  const seed = randomBytes(32);
  const whpk = core.webhook_public_key(seed);
  const raw = Buffer.from(whpk.slice('whpk_'.length), 'base64');
  const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
  const now = Math.floor(Date.now() / 1000);
  for (const body of bodies.slice(0, 10)) {
    const header = core.webhook_signature([], seed, 'msg_ed', now, enc.encode(body));
    const [version, sig] = header.split(',');
    assert.equal(version, 'v1a');
    const signed = Buffer.from(`msg_ed.${now}.${body}`, 'utf8');
    assert.ok(nodeVerify(null, signed, publicKey, Buffer.from(sig, 'base64')));
    core.webhook_verify('msg_ed', String(now), header, enc.encode(body), [], [whpk], now * 1000, 300_000);
  }
});
