// The sealed card token as built for wasm: the same code the widget runs in the browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { core } from '../support/core.mjs';

test('a token sealed in wasm opens with the right key and binding only', () => {
  const key = randomBytes(32);
  const now = Date.now();
  const token = core.seal_card(key, '4242424242424242', '123', 'payment:abc', now, randomBytes(32));
  assert.ok(!token.includes('4242424242424242'), 'no clear number in the token');
  assert.equal(core.open_card_masked(key, token, 'payment:abc', now + 1000), '424242******4242');
  assert.throws(() => core.open_card_masked(key, token, 'payment:other', now), /WrongBinding/);
  assert.throws(() => core.open_card_masked(randomBytes(32), token, 'payment:abc', now), /UnknownKey/);
  assert.throws(() => core.open_card_masked(key, token, 'payment:abc', now + 15 * 60_000 + 1), /Expired/);
  const last = token.at(-2) === 'A' ? 'B' : 'A';
  assert.throws(() => core.open_card_masked(key, `${token.slice(0, -2)}${last}${token.at(-1)}`, 'payment:abc', now), /Tampered|Malformed/);
});

test('fresh randomness gives a different token for the same card', () => {
  const key = randomBytes(32);
  const now = Date.now();
  const a = core.seal_card(key, '4242424242424242', '123', 'payment:abc', now, randomBytes(32));
  const b = core.seal_card(key, '4242424242424242', '123', 'payment:abc', now, randomBytes(32));
  assert.notEqual(a, b);
});
