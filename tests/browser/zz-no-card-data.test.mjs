// Runs last (files run in name order): after the integration, conformance and browser suites
// have paid with test cards through the shared gateway (hosted pages, embedded checkout and
// sealed cards from tokenize()), no card number or security code may
// appear anywhere in its persisted state directory or its captured log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const STATE = process.env.KASSA_STATE_DIR;
const LOG = process.env.KASSA_LOG;

// Every card number the test suites type, in the forms they are typed.
const NUMBERS = ['4242424242424242', '4242424242424241', '4000000000000002', '4000000000000119',
  '4000000000000069', '4000000000000127', '4000056655665556', '378282246310005', '5555555555554444',
  // 3-D Secure's test cards (integration and browser three-d-secure suites).
  '4000000000003220', '4000008400001629', '4000000000003055'];
const patterns = [
  ...NUMBERS.map((n) => n),
  ...NUMBERS.map((n) => n.replace(/(\d{4})(?=\d)/g, '$1 ')),
  // Security codes are short digit runs that ids and timestamps contain by chance, so they
  // are looked for next to a field name, as a form, JSON or log line would carry them.
  'cvc=739', 'cvc=123', 'cvc=1234', '"cvc":"739"', '"cvc":"123"', '"cvc":"1234"',
];

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? files(p) : [p];
  });
}

function findings(path) {
  const text = readFileSync(path).toString('latin1'); // byte for byte, SQLite pages included
  return patterns.filter((p) => text.includes(p)).map((p) => `${path}: ${p}`);
}

test('no card number or security code in the persisted state or the gateway log', { skip: !STATE || !LOG }, () => {
  const all = files(STATE).filter((f) => statSync(f).isFile());
  const bytes = all.reduce((n, f) => n + statSync(f).size, 0);
  assert.ok(bytes > 0, 'the state directory holds the suites\' data');
  // The scan can see stored card data: the cardholder names the suites typed are stored.
  assert.ok(all.some((f) => readFileSync(f).toString('latin1').includes('Mx Test Payer')),
    'the scan reads the stored payments');
  assert.deepEqual([...all, LOG].flatMap(findings), []);
});
