// kassa-core's Adyen notification HMAC (compiled to wasm) against Node's crypto and Adyen's
// published example: the signed string, the signature, and whole bodies verified item by
// item (every signed field covered, unsigned ones free, a forged item sinks the batch).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes, randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../support/gateway.mjs';
import { core } from '../support/core.mjs';

const FIXTURES = JSON.parse(readFileSync(join(ROOT, 'tests/fixtures/adyen-checkout-examples.json'), 'utf8'));
const enc = new TextEncoder();

/** Adyen's signed string, written from its HMAC documentation (absent fields empty). */
const data = (i) => [i.pspReference, i.originalReference, i.merchantAccountCode, i.merchantReference,
  i.amount?.value, i.amount?.currency, i.eventCode, i.success].map((v) => (v === undefined ? '' : String(v))).join(':');
const nodeSign = (hexKey, item) => createHmac('sha256', Buffer.from(hexKey, 'hex')).update(data(item), 'utf8').digest('base64');

function randomItem(merchant) {
  const pick = (xs) => xs[randomInt(xs.length)];
  const item = {
    pspReference: randomBytes(8).toString('hex').toUpperCase(),
    merchantAccountCode: merchant,
    merchantReference: pick(['', 'INV:42', 'café ünïcödé 💳', randomBytes(13).toString('base64url'), 'a.b']),
    amount: { value: randomInt(0, 10_000_000), currency: pick(['GBP', 'EUR']) },
    eventCode: pick(['AUTHORISATION', 'CAPTURE', 'REFUND', 'CANCELLATION', 'CHARGEBACK']),
    success: pick(['true', 'false']),
    additionalData: { cardSummary: '1111' },
  };
  if (randomInt(2)) item.originalReference = randomBytes(8).toString('hex').toUpperCase();
  return item;
}

test('Adyen\'s published example: signed string and signature', () => {
  const item = FIXTURES.notification.notificationItems[0].NotificationRequestItem;
  const key = FIXTURES._notification_source.hmac_key;
  assert.equal(core.adyen_signing_string(JSON.stringify(item)), data(item));
  assert.equal(core.adyen_hmac(key, data(item)), item.additionalData.hmacSignature);
  assert.equal(nodeSign(key, item), item.additionalData.hmacSignature);
  assert.deepEqual(core.adyen_verify(key, 'TestMerchant', false, enc.encode(JSON.stringify(FIXTURES.notification))),
    ['7914073381342284:AUTHORISATION:true']);
});

test('signatures equal Node crypto for random items and keys, and verify as whole bodies', () => {
  for (let n = 0; n < 100; n++) {
    const key = randomBytes(32).toString('hex');
    const items = Array.from({ length: 1 + randomInt(5) }, () => randomItem('KassaECOM'));
    for (const item of items) {
      assert.equal(core.adyen_signing_string(JSON.stringify(item)), data(item));
      assert.equal(core.adyen_hmac(key, data(item)), nodeSign(key, item));
      item.additionalData.hmacSignature = nodeSign(key, item);
    }
    const body = { live: 'false', notificationItems: items.map((i) => ({ NotificationRequestItem: i })) };
    const ids = core.adyen_verify(key, 'KassaECOM', false, enc.encode(JSON.stringify(body)));
    assert.deepEqual(ids, items.map((i) => `${i.pspReference}:${i.eventCode}:${i.success}`));
    // One signed field of one item changed: the whole body is refused.
    const tampered = structuredClone(body);
    const victim = tampered.notificationItems[randomInt(items.length)].NotificationRequestItem;
    const field = ['pspReference', 'merchantReference', 'eventCode'][randomInt(3)];
    victim[field] = `${victim[field]}x`;
    assert.throws(() => core.adyen_verify(key, 'KassaECOM', false, enc.encode(JSON.stringify(tampered))), /Signature/);
    // Another key, another merchant account, the other mode.
    assert.throws(() => core.adyen_verify(randomBytes(32).toString('hex'), 'KassaECOM', false, enc.encode(JSON.stringify(body))), /Signature/);
    assert.throws(() => core.adyen_verify(key, 'OtherECOM', false, enc.encode(JSON.stringify(body))), /Signature/);
    assert.throws(() => core.adyen_verify(key, 'KassaECOM', true, enc.encode(JSON.stringify(body))), /Signature/);
  }
});
