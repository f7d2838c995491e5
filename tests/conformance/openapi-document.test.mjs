// api/openapi.json itself: a valid OpenAPI 3 document (openapi-spec-validator, from .venv),
// still GOV.UK Pay's contract for every payments and refunds operation Kassa serves, and
// carrying Kassa's additions everywhere they apply. Needs no gateway.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../support/gateway.mjs';

const KASSA_PATH = join(ROOT, 'api/openapi.json');
const kassa = JSON.parse(readFileSync(KASSA_PATH, 'utf8'));
const govuk = JSON.parse(readFileSync(join(ROOT, 'api/reference/govukpay-publicapi-openapi.json'), 'utf8'));

// A path that climbs out of the repository (a shared/ folder beside it, a ROOT-relative parent, or
// three parents up from a file in tests/ or scripts/): a plain clone has nothing beside it.
const OUTSIDE = /ROOT,\s*['"`]\.\.\/|['"`](\.\.\/){3,}|\.\.\/shared\//;

const SERVED = /^\/v1\/(payments|refunds)(\/|$)/;
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];
// Request fields for features Kassa does not offer (recurring-payment agreements).
const DROPPED_REQUEST_FIELDS = ['agreement_id', 'agreement_payment_type', 'set_up_agreement'];

/** Follows a local `$ref` (`#/components/...`) in Kassa's document. */
const deref = (node) => (node?.$ref
  ? node.$ref.slice(2).split('/').reduce((n, key) => n[key], kassa)
  : node);

function* operations(doc) {
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) if (item[method]) yield { path, method, op: item[method], item };
  }
}

test('nothing the build or the tests read lies outside the repository', () => {
  // GOV.UK Pay's document is part of the repository, with its origin and licence.
  assert.equal(govuk.info.title, 'GOV.UK Pay API');
  assert.match(readFileSync(join(ROOT, 'api/reference/README.md'), 'utf8'), /MIT License/);
  const files = ['Makefile', 'package.json', 'wrangler.toml'];
  const walk = (dir) => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory() && !['node_modules', 'pkg', 'target'].includes(entry.name)) walk(rel);
      else if (/\.(mjs|js|sh|py|toml)$/.test(entry.name)) files.push(rel);
    }
  };
  walk('scripts');
  walk('tests');
  const leaving = files.flatMap((f) => readFileSync(join(ROOT, f), 'utf8').split('\n')
    .map((line, i) => ({ at: `${f}:${i + 1}`, line }))
    .filter(({ line }) => OUTSIDE.test(line) && !line.includes('OUTSIDE')));
  assert.deepEqual(leaving, [], 'paths that leave the repository');
});

test('api/openapi.json is a valid OpenAPI 3 document (openapi-spec-validator)', () => {
  const r = spawnSync(join(ROOT, '.venv/bin/openapi-spec-validator'), [KASSA_PATH], { encoding: 'utf8' });
  if (r.error) throw new Error(`${r.error.message}: run scripts/ensure-tools.sh --python`);
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('it is served from any host and names itself', () => {
  assert.deepEqual(kassa.servers.map((s) => s.url), ['/']);
  assert.equal(kassa.info.title, 'Kassa payments API');
  assert.equal(kassa.info.version, '1.0.0');
});

test("every GOV.UK Pay payments and refunds operation is there, with GOV.UK Pay's parameters and statuses", () => {
  for (const { path, method, op } of operations(govuk)) {
    if (!SERVED.test(path)) continue;
    const mine = kassa.paths[path]?.[method];
    assert.ok(mine, `${method.toUpperCase()} ${path} is missing`);
    assert.equal(mine.operationId, op.operationId);
    const params = new Set((mine.parameters ?? []).map(deref).map((p) => `${p.in}:${p.name}`));
    for (const p of op.parameters ?? []) {
      if (p.name === 'agreement_id') continue;
      assert.ok(params.has(`${p.in}:${p.name}`), `${method.toUpperCase()} ${path}: parameter ${p.name}`);
    }
    for (const status of Object.keys(op.responses)) {
      assert.ok(mine.responses[status], `${method.toUpperCase()} ${path}: response ${status}`);
    }
    assert.deepEqual(mine.requestBody, op.requestBody, `${method.toUpperCase()} ${path}: request body`);
  }
  for (const path of Object.keys(kassa.paths)) {
    assert.doesNotMatch(path, /agreements|disputes|^\/v1\/auth/, `${path} is not served by Kassa`);
  }
});

// Where GOV.UK Pay's document disagrees with what GOV.UK Pay sends, Kassa documents what is
// sent: next_url_post's params are strings, card facts are null until a card is entered,
// and search results carry cancel/capture as null when not allowed.
const CORRECTED = {
  PostLink: (s) => s.properties.params.additionalProperties.type === 'string',
  CardDetails: (s) => s.properties.card_type.nullable && s.properties.last_digits_card_number.nullable,
  CardDetailsFromResponse: (s) => s.properties.card_type.nullable && s.properties.expiry_date.nullable,
  PaymentLinksForSearch: (s) => s.properties.cancel.nullable && s.properties.capture.nullable,
};

test("GOV.UK Pay's schemas are kept as published, less the agreement request fields, plus sealed_card and three_d_secure.version", () => {
  for (const [name, mine] of Object.entries(kassa.components.schemas)) {
    const theirs = govuk.components.schemas[name];
    if (!theirs) continue; // one of Kassa's own
    if (CORRECTED[name]) {
      assert.ok(CORRECTED[name](mine), `${name} documents what is actually sent`);
      assert.deepEqual(Object.keys(mine.properties).sort(), Object.keys(theirs.properties).sort(), `${name} fields`);
      continue;
    }
    if (name === 'ThreeDSecure') {
      // Kassa adds the protocol version, optional and marked as its own.
      const { version, ...rest } = mine.properties;
      assert.deepEqual({ ...mine, properties: rest }, theirs, name);
      assert.equal(version.type, 'string');
      assert.match(version.description, /^Kassa/);
      continue;
    }
    if (name !== 'CreateCardPaymentRequest') {
      assert.deepEqual(mine, theirs, name);
      continue;
    }
    const expected = structuredClone(theirs);
    for (const field of DROPPED_REQUEST_FIELDS) delete expected.properties[field];
    const { authorisation_mode: mode, sealed_card: sealed, ...rest } = mine.properties;
    const { authorisation_mode: theirMode, ...theirRest } = expected.properties;
    assert.deepEqual(rest, theirRest, 'CreateCardPaymentRequest fields');
    // Kassa's one addition (embedded checkout's tokenize mode), optional and marked as such.
    assert.equal(sealed.type, 'string');
    assert.match(sealed.description, /^Kassa addition/);
    assert.deepEqual(mine.required, expected.required, 'CreateCardPaymentRequest required fields');
    assert.deepEqual(mode.enum, ['web'], 'authorisation_mode is web only');
    assert.equal(mode.type, theirMode.type);
  }
});

test('every POST takes an Idempotency-Key and documents its replay header and 409', () => {
  const key = kassa.components.parameters.IdempotencyKey;
  assert.equal(key.schema.minLength, 1);
  assert.equal(key.schema.maxLength, 255);
  const printable = new RegExp(key.schema.pattern);
  for (const ok of ['a', 'A-1_b.c~!', 'x y', '~'.repeat(255)]) assert.match(ok, printable);
  for (const bad of [' a', 'a ', 'tab\there', 'é', '']) assert.doesNotMatch(bad, printable);

  const v1Posts = [...operations(kassa)].filter(({ path, method }) => method === 'post' && path.startsWith('/v1/'));
  // create payment, capture, cancel, refund; create webhook, rotate its secret, resend a message
  assert.equal(v1Posts.length, 7);
  for (const { path, op } of v1Posts) {
    const names = (op.parameters ?? []).map(deref).map((p) => p.name);
    assert.ok(names.includes('Idempotency-Key'), `POST ${path}: Idempotency-Key`);
    assert.ok(op.responses['409'], `POST ${path}: 409 for a reused key`);
    for (const [status, response] of Object.entries(op.responses)) {
      if (status.startsWith('2')) assert.ok(deref(response).headers?.['Idempotent-Replayed'], `POST ${path} ${status}`);
    }
    if (op.requestBody) assert.ok(op.responses['413'], `POST ${path}: 413 for a body over 64 KB`);
  }
});

// Health, and the public key that verifies v1a webhook signatures: public by design.
const PUBLIC = new Set(['/healthz', '/webhooks/accounts/{accountId}/public-key']);

test('every authenticated operation documents 401 and 429 with Retry-After', () => {
  for (const { path, method, op } of operations(kassa)) {
    const where = `${method.toUpperCase()} ${path}`;
    const secured = op.security?.length > 0;
    if (PUBLIC.has(path)) assert.deepEqual(op.security, [], `${where} needs no key`);
    else assert.ok(secured, `${where} is authenticated`);
    if (secured) assert.ok(op.responses['401'], `${where}: 401`);
    const tooMany = deref(op.responses['429']);
    assert.ok(tooMany?.headers?.['Retry-After'], `${where}: 429 with Retry-After`);
    const scheme = Object.keys(op.security?.[0] ?? {})[0];
    if (path.startsWith('/admin/')) assert.equal(scheme, 'AdminBearerAuth', where);
    else if (secured) assert.equal(scheme, 'BearerAuth', where);
  }
});

test('links name operations that exist', () => {
  const ids = new Set([...operations(kassa)].map(({ op }) => op.operationId));
  for (const { path, op } of operations(kassa)) {
    for (const response of Object.values(op.responses)) {
      for (const [name, link] of Object.entries(deref(response).links ?? {})) {
        assert.ok(ids.has(link.operationId), `${path} link ${name} → ${link.operationId}`);
      }
    }
  }
});

test('the admin API takes the account settings and never returns credentials', () => {
  const update = kassa.components.schemas.UpdateAccountRequest.properties;
  assert.equal(update.provider_credentials.writeOnly, true);
  assert.deepEqual(update.payment_provider.enum, ['sandbox', 'stripe']);
  assert.deepEqual(update.accepted_card_brands.items.enum,
    ['visa', 'master-card', 'american-express', 'diners-club', 'discover', 'jcb', 'unionpay', 'maestro']);
  assert.deepEqual([update.payment_expiry_minutes.minimum, update.payment_expiry_minutes.maximum], [1, 7200]);
  const origin = new RegExp(update.allowed_origins.items.pattern);
  assert.match('https://shop.example.com:8443', origin);
  for (const bad of ['http://shop.example.com', 'https://shop.example.com/path', 'https://']) assert.doesNotMatch(bad, origin);
  assert.ok(!('provider_credentials' in kassa.components.schemas.AccountConfig.properties));
});

test('every /v1 error response names its GOV.UK Pay error codes (x-error-codes)', () => {
  for (const { path, method, op } of operations(kassa)) {
    if (!path.startsWith('/v1/')) continue;
    for (const [status, response] of Object.entries(op.responses)) {
      if (Number(status) < 400 || status === '401') continue; // 401 carries no code
      const codes = deref(response)['x-error-codes'];
      assert.ok(codes?.length, `${method.toUpperCase()} ${path} ${status}`);
      for (const c of codes) assert.match(c.code, /^P\d{4}$/);
    }
  }
});
