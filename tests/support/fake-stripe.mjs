// A local HTTP server that speaks Stripe's API for the calls Kassa's Stripe adapter makes
// (create, confirm, retrieve, capture and cancel a PaymentIntent; create a refund), with
// answers built from Stripe's published fixture objects (tests/fixtures/stripe-fixtures.json).
// It keeps Stripe's rules that matter for safety: Idempotency-Key replays the first answer
// for the same key, a PaymentIntent is confirmed/captured/cancelled at most once (a repeat
// is 400 payment_intent_unexpected_state carrying the intent), and every request is
// recorded so tests can check exactly what was sent.
//
// Test cards (Stripe's own): 4242424242424242 authorises (credit), 4000056655665556
// authorises (debit), 4000000000000002 is declined, 4000002500003155 requires 3-D Secure.
// Faults are injected per call: `fake.inject('confirm', 'hang')` processes the next
// confirmation but never answers; `fake.inject('capture', 500)` answers the next capture
// with a 500 without capturing; `fake.inject('confirm', 'oversized')` processes the next
// confirmation and answers it with a 2 MB decline.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './gateway.mjs';

const FIXTURES = JSON.parse(readFileSync(join(ROOT, 'tests/fixtures/stripe-fixtures.json'), 'utf8')).resources;
const clone = (o) => JSON.parse(JSON.stringify(o));

/** Decodes a form body the way Stripe does: `a[b][c]=v` pairs, kept flat by full key. */
function form(body) {
  const out = {};
  for (const [k, v] of new URLSearchParams(body)) out[k] = v;
  return out;
}

function apiError(status, error, intent) {
  const body = { error: { message: 'Request failed', request_log_url: 'https://dashboard.stripe.com/test/logs/req_fake', ...error } };
  if (intent) body.error.payment_intent = clone(intent);
  return { status, body };
}

/**
 * `secretKey` and any `otherKeys` are accepted. As at Stripe, each key (a mode of an
 * account, or another account) sees only the objects made with it.
 */
export async function startFakeStripe({ secretKey, otherKeys = [] }) {
  const keys = new Set([secretKey, ...otherKeys]);
  const requests = [];
  const intents = new Map();
  const owners = new Map(); // intent id → the key that made it
  const confirmations = new Map(); // intent id → how many times a card was actually confirmed
  const idempotent = new Map(); // key → stored answer
  const faults = { confirm: [], capture: [], cancel: [], refund: [] };
  const hanging = new Set();
  let seq = 0;

  function newIntent(params) {
    const pi = clone(FIXTURES.payment_intent);
    Object.assign(pi, {
      id: `pi_fake${String(++seq).padStart(6, '0')}`,
      amount: Number(params.amount),
      amount_capturable: 0,
      amount_received: 0,
      currency: params.currency,
      capture_method: params.capture_method,
      canceled_at: null,
      client_secret: null,
      description: params.description ?? null,
      last_payment_error: null,
      latest_charge: null,
      next_action: null,
      metadata: Object.fromEntries(Object.entries(params)
        .filter(([k]) => k.startsWith('metadata[')).map(([k, v]) => [k.slice(9, -1), v])),
      payment_method_types: ['card'],
      status: 'requires_payment_method',
    });
    intents.set(pi.id, pi);
    owners.set(pi.id, caller);
    return pi;
  }

  function charge(pi, funding) {
    const ch = clone(FIXTURES.charge);
    Object.assign(ch, { id: `ch_${pi.id.slice(3)}`, amount: pi.amount, amount_captured: 0, captured: false, payment_intent: pi.id, currency: pi.currency });
    ch.payment_method_details.card.funding = funding;
    return ch;
  }

  function confirm(pi, params) {
    if (pi.status !== 'requires_payment_method' && pi.status !== 'requires_confirmation') {
      return apiError(400, { type: 'invalid_request_error', code: 'payment_intent_unexpected_state' }, pi);
    }
    confirmations.set(pi.id, (confirmations.get(pi.id) ?? 0) + 1);
    const number = params['payment_method_data[card][number]'];
    pi.payment_method = `pm_${pi.id.slice(3)}`;
    switch (number) {
      case '4242424242424242':
      case '4000056655665556':
        pi.status = 'requires_capture';
        pi.amount_capturable = pi.amount;
        pi.latest_charge = charge(pi, number === '4242424242424242' ? 'credit' : 'debit');
        return { status: 200, body: pi };
      case '4000000000000002': {
        const error = { type: 'card_error', code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.' };
        pi.status = 'requires_payment_method';
        pi.last_payment_error = clone(error);
        return apiError(402, error, pi);
      }
      case '4000002500003155':
        pi.status = 'requires_action';
        pi.next_action = { type: 'use_stripe_sdk', use_stripe_sdk: { type: 'three_d_secure_redirect' } };
        return { status: 200, body: pi };
      default:
        return apiError(402, { type: 'card_error', code: 'incorrect_number', message: 'Your card number is incorrect.' });
    }
  }

  let caller = null; // the key of the request being answered
  const visible = (pi) => (pi && owners.get(pi.id) === caller ? pi : undefined);

  function route(method, path, params) {
    let m;
    if (method === 'POST' && path === '/v1/payment_intents') return { status: 200, body: newIntent(params) };
    if ((m = /^\/v1\/payment_intents\/([^/]+)(?:\/(confirm|capture|cancel))?$/.exec(path))) {
      const pi = visible(intents.get(decodeURIComponent(m[1])));
      if (!pi) return apiError(404, { type: 'invalid_request_error', code: 'resource_missing' });
      const action = m[2];
      if (method === 'GET' && !action) return { status: 200, body: pi };
      if (method !== 'POST') return apiError(405, { type: 'invalid_request_error' });
      if (action === 'confirm') return confirm(pi, params);
      if (action === 'capture') {
        if (pi.status !== 'requires_capture') return apiError(400, { type: 'invalid_request_error', code: 'payment_intent_unexpected_state' }, pi);
        pi.status = 'succeeded';
        pi.amount_received = Number(params.amount_to_capture ?? pi.amount);
        pi.amount_capturable = 0;
        return { status: 200, body: pi };
      }
      if (action === 'cancel') {
        if (!['requires_capture', 'requires_payment_method', 'requires_action', 'requires_confirmation'].includes(pi.status)) {
          return apiError(400, { type: 'invalid_request_error', code: 'payment_intent_unexpected_state' }, pi);
        }
        pi.status = 'canceled';
        pi.canceled_at = Math.floor(Date.now() / 1000);
        return { status: 200, body: pi };
      }
    }
    if (method === 'POST' && path === '/v1/refunds') {
      const pi = visible(intents.get(params.payment_intent));
      if (!pi || pi.status !== 'succeeded') return apiError(400, { type: 'invalid_request_error', code: 'charge_not_refundable' });
      const re = clone(FIXTURES.refund);
      Object.assign(re, {
        id: `re_fake${String(++seq).padStart(6, '0')}`, amount: Number(params.amount), payment_intent: pi.id,
        charge: `ch_${pi.id.slice(3)}`, currency: pi.currency, status: 'succeeded',
        metadata: Object.fromEntries(Object.entries(params).filter(([k]) => k.startsWith('metadata[')).map(([k, v]) => [k.slice(9, -1), v])),
      });
      return { status: 200, body: re };
    }
    return apiError(404, { type: 'invalid_request_error', code: 'resource_missing' });
  }

  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => { raw += c; });
    req.on('end', () => {
      const url = new URL(req.url, 'http://fake');
      const record = { method: req.method, path: url.pathname, query: url.search, headers: req.headers, body: raw };
      requests.push(record);
      const send = ({ status, body }) => {
        res.writeHead(status, { 'Content-Type': 'application/json', 'Request-Id': `req_${requests.length}` });
        res.end(JSON.stringify(body));
      };
      caller = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (!keys.has(caller)) {
        return send(apiError(401, { type: 'invalid_request_error', message: 'Invalid API Key provided' }));
      }
      record.key = caller;
      // Idempotency keys are per Stripe key, as Stripe keeps them per account and mode.
      const key = req.headers['idempotency-key'] && `${caller} ${req.headers['idempotency-key']}`;
      if (req.method === 'POST' && key && idempotent.has(key)) return send(idempotent.get(key));
      const operation = /\/(confirm|capture|cancel)$/.exec(url.pathname)?.[1] ?? (url.pathname === '/v1/refunds' ? 'refund' : null);
      const fault = operation ? faults[operation].shift() : undefined;
      if (typeof fault === 'number') {
        // Stripe stores 5xx answers for their idempotency key too.
        const answer = apiError(fault, { type: 'api_error', message: 'An unknown error occurred' });
        if (key) idempotent.set(key, answer);
        return send(answer);
      }
      const answer = route(req.method, url.pathname, form(raw));
      if (req.method === 'POST' && key) idempotent.set(key, answer);
      if (fault === 'hang') { hanging.add(res); return undefined; } // processed, never answered
      if (fault === 'oversized') {
        // Processed, then answered with a body too large to read (2 MB, streamed without a
        // Content-Length) that, read whole, would say the card was declined.
        const declined = apiError(402, { type: 'card_error', code: 'card_declined', decline_code: 'generic_decline', padding: 'x'.repeat(2 * 1024 * 1024) });
        res.writeHead(402, { 'Content-Type': 'application/json', 'Request-Id': `req_${requests.length}` });
        const text = JSON.stringify(declined.body);
        for (let at = 0; at < text.length; at += 64 * 1024) res.write(text.slice(at, at + 64 * 1024));
        return res.end();
      }
      return send(answer);
    });
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    intents,
    confirmations,
    /** Makes the next call of `operation` fail: 'hang', 'oversized' or an HTTP status. */
    inject(operation, fault) { faults[operation].push(fault); },
    /** The requests for one PaymentIntent (or refunds of it), in order. */
    for(intentId) {
      return requests.filter((r) => r.path.includes(intentId) || form(r.body).payment_intent === intentId);
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise((ok) => server.close(ok));
    },
  };
}
