// kassa-core's RFC 3339 instants against JavaScript's Date, an independent implementation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { core } from '../support/core.mjs';

test('formats instants exactly like Date.toISOString', () => {
  const samples = [0, 1, 999, 951782400000, 1453396500123, 4102444799999, 253402300799999];
  for (let i = 0; i < 2000; i++) samples.push(Math.floor(Math.random() * 253402300799999));
  for (const ms of samples) {
    assert.equal(core.format_rfc3339(ms), new Date(ms).toISOString(), `at ${ms}`);
  }
});

test('parses what Date parses, to the same millisecond', () => {
  for (let i = 0; i < 2000; i++) {
    const ms = Math.floor(Math.random() * 4102444799999);
    const iso = new Date(ms).toISOString();
    assert.equal(core.parse_rfc3339(iso), ms, iso);
  }
  assert.equal(core.parse_rfc3339('2016-01-21T18:15:00+01:00'), Date.parse('2016-01-21T18:15:00+01:00'));
  assert.equal(core.parse_rfc3339('not a date'), undefined);
});
