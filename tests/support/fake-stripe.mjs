// A local HTTP server that speaks Stripe's API for the calls Kassa's Stripe adapter makes
// (create, confirm, retrieve, capture and cancel a PaymentIntent; create a refund), with
// answers built from Stripe's published fixture objects (tests/fixtures/stripe-fixtures.json).
// It keeps Stripe's rules that matter for safety: Idempotency-Key replays the first answer
// for the same key, a PaymentIntent is confirmed/captured/cancelled at most once (a repeat
// is 400 payment_intent_unexpected_state carrying the intent), and every request is
// recorded so tests can check exactly what was sent (the payer's visits to the challenge
// page too, without a `key`).
//
// Test cards (Stripe's own): 4242424242424242 authorises (credit), 4000056655665556
// authorises (debit), 4000000000000002 is declined.
// 3-D Secure, as Stripe answers for its test cards: a confirmation with `return_url` of
// 4000000000003220 (challenge, then authorised), 4000008400001629 (challenge, then
// card_declined) or 4000002500003155 (authentication required, then authorised) answers
// `requires_action` with `next_action.redirect_to_url` = `<fake>/3ds/<pi>`; without
// `return_url` the next action is `use_stripe_sdk` (only Stripe.js can take it).
// 4000000000003055 is frictionless: authorised at once, its charge's `three_d_secure` says
// authenticated (2.2.0). `GET /3ds/<pi>` is the issuer's challenge page (no key, no
// X-Frame-Options, so it may be framed): its buttons "Complete authentication" and "Fail
// authentication" post `result=complete|fail` to `/3ds/<pi>`, which settles the intent as
// Stripe does (authorised with `three_d_secure` {challenge, authenticated, 2.2.0}; declined
// card_declined for 4000008400001629; failed: `requires_payment_method` with
// `payment_intent_authentication_failure`) and answers 303 to the `return_url` with Stripe's
// query (`payment_intent`, `payment_intent_client_secret`, `redirect_status`).
// Faults are injected per call: `fake.inject('confirm', 'hang')` processes the next
// confirmation but never answers; `fake.inject('capture', 500)` answers the next capture
// with a 500 without capturing; `fake.inject('confirm', 'oversized')` processes the next
// confirmation and answers it with a 2 MB decline.
// Webhooks: `fake.webhook(url, type, object, secret)` posts an event around `object` (a
// PaymentIntent, Refund, Dispute…) to `url`, signed as Stripe signs (`Stripe-Signature:
// t=…,v1=` hex HMAC-SHA256 of `{t}.{body}` keyed with the whole `whsec_…` string, computed
// here with Node's crypto); its options forge one (`signature`, `timestamp`, `livemode`,
// `id` to repeat an event, `signWith` another secret). `fake.refunds` keeps the refunds made.
import { createServer } from 'node:http';
import { createHmac, randomBytes } from 'node:crypto';
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

/** Stripe's 3-D Secure test cards: what a completed challenge leads to. */
const CHALLENGE_CARDS = new Map([
  ['4000000000003220', 'authorise'],
  ['4000002500003155', 'authorise'],
  ['4000008400001629', 'decline'],
]);
const FRICTIONLESS_CARD = '4000000000003055';
const THREE_DS_VERSION = '2.2.0';
const CARD_DECLINED = { type: 'card_error', code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.' };
const AUTHENTICATION_FAILED = {
  type: 'invalid_request_error',
  code: 'payment_intent_authentication_failure',
  doc_url: 'https://stripe.com/docs/error-codes/payment-intent-authentication-failure',
  message: 'The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.',
};

const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The issuer's challenge page, as the payer's browser (or a frame) gets it. */
function challengePage(pi, pending) {
  const amount = `${(pi.amount / 100).toFixed(2)} ${String(pi.currency).toUpperCase()}`;
  const body = pending
    ? `<p>Authenticate a payment of ${escapeHtml(amount)}.</p>
<form method="post" action="/3ds/${escapeHtml(pi.id)}">
<button type="submit" name="result" value="complete">Complete authentication</button>
<button type="submit" name="result" value="fail">Fail authentication</button>
</form>`
    : '<p>This authentication is no longer pending.</p>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>3D Secure 2 Test Page</title></head>
<body><h1>3D Secure 2 Test Page</h1>
${body}
</body></html>
`;
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
  const refunds = new Map();
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
      client_secret: null, // set below, from the id
      description: params.description ?? null,
      last_payment_error: null,
      latest_charge: null,
      next_action: null,
      metadata: Object.fromEntries(Object.entries(params)
        .filter(([k]) => k.startsWith('metadata[')).map(([k, v]) => [k.slice(9, -1), v])),
      payment_method_types: ['card'],
      status: 'requires_payment_method',
    });
    pi.client_secret = `${pi.id}_secret_${randomBytes(12).toString('hex')}`;
    intents.set(pi.id, pi);
    owners.set(pi.id, caller);
    return pi;
  }

  /** The intent's charge; `threeDSecure` fills the card's (fixture: all null) 3-D Secure facts. */
  function charge(pi, funding, threeDSecure) {
    const ch = clone(FIXTURES.charge);
    Object.assign(ch, { id: `ch_${pi.id.slice(3)}`, amount: pi.amount, amount_captured: 0, captured: false, payment_intent: pi.id, currency: pi.currency });
    ch.payment_method_details.card.funding = funding;
    if (threeDSecure) Object.assign(ch.payment_method_details.card.three_d_secure, threeDSecure);
    return ch;
  }

  function authorise(pi, funding, threeDSecure) {
    pi.status = 'requires_capture';
    pi.amount_capturable = pi.amount;
    pi.next_action = null;
    pi.latest_charge = charge(pi, funding, threeDSecure);
  }

  // Intent id → { after: 'authorise' | 'decline', returnUrl }, for challenges sent by redirect.
  const challenges = new Map();
  let base = null; // the fake's own URL, once it listens

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
        authorise(pi, number === '4242424242424242' ? 'credit' : 'debit');
        return { status: 200, body: pi };
      case FRICTIONLESS_CARD:
        authorise(pi, 'credit', { authentication_flow: 'frictionless', result: 'authenticated', version: THREE_DS_VERSION });
        return { status: 200, body: pi };
      case '4000000000000002': {
        pi.status = 'requires_payment_method';
        pi.last_payment_error = clone(CARD_DECLINED);
        return apiError(402, clone(CARD_DECLINED), pi);
      }
      case '4000000000003220':
      case '4000002500003155':
      case '4000008400001629': {
        // Authentication first. With a `return_url` (and no `use_stripe_sdk`) Stripe asks
        // for a plain redirect; without one only Stripe.js can take the next action.
        pi.status = 'requires_action';
        const returnUrl = params.return_url;
        if (returnUrl) {
          challenges.set(pi.id, { after: CHALLENGE_CARDS.get(number), returnUrl });
          pi.next_action = { type: 'redirect_to_url', redirect_to_url: { url: `${base}/3ds/${pi.id}`, return_url: returnUrl } };
        } else {
          pi.next_action = { type: 'use_stripe_sdk', use_stripe_sdk: { type: 'three_d_secure_redirect', stripe_js: `${base}/3ds/${pi.id}` } };
        }
        return { status: 200, body: pi };
      }
      default:
        return apiError(402, { type: 'card_error', code: 'incorrect_number', message: 'Your card number is incorrect.' });
    }
  }

  /**
   * The payer at the challenge page (no API key: it is their browser). A POST settles a
   * pending challenge once, as the issuer would, and sends the browser back to the
   * `return_url` with Stripe's query; a later one changes nothing and sends it back again.
   */
  function challenge(method, id, params) {
    const pi = intents.get(id);
    const pending = challenges.get(id);
    const html = (status, text, headers = {}) => ({ status, html: text, headers });
    if (!pi || !pending) return html(404, '<!doctype html><title>Not found</title><p>No such authentication.</p>');
    const waiting = pi.status === 'requires_action';
    if (method === 'GET') return html(200, challengePage(pi, waiting));
    if (method !== 'POST') return html(405, '<!doctype html><title>Method not allowed</title>');
    if (waiting) {
      if (params.result !== 'complete') {
        pi.status = 'requires_payment_method';
        pi.next_action = null;
        pi.payment_method = null;
        pi.last_payment_error = clone(AUTHENTICATION_FAILED);
      } else if (pending.after === 'authorise') {
        authorise(pi, 'credit', { authentication_flow: 'challenge', result: 'authenticated', version: THREE_DS_VERSION });
      } else {
        // Authenticated, then declined by the issuer: a failed charge, the decline kept.
        pi.status = 'requires_payment_method';
        pi.next_action = null;
        pi.payment_method = null;
        pi.last_payment_error = clone(CARD_DECLINED);
        pi.latest_charge = Object.assign(
          charge(pi, 'credit', { authentication_flow: 'challenge', result: 'authenticated', version: THREE_DS_VERSION }),
          { status: 'failed', paid: false, failure_code: 'card_declined', failure_message: CARD_DECLINED.message },
        );
      }
    }
    const back = new URL(pending.returnUrl);
    back.searchParams.set('payment_intent', pi.id);
    back.searchParams.set('payment_intent_client_secret', pi.client_secret);
    back.searchParams.set('redirect_status', ['requires_capture', 'succeeded'].includes(pi.status) ? 'succeeded' : 'failed');
    return html(303, '', { Location: back.href });
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
      refunds.set(re.id, re);
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
      const page = /^\/3ds\/([^/]+)$/.exec(url.pathname);
      if (page) {
        // Stripe's own headers only: no X-Frame-Options or frame-ancestors, so it may be framed.
        const { status, html, headers } = challenge(req.method, decodeURIComponent(page[1]), form(raw));
        res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', ...headers });
        return res.end(html);
      }
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
  base = `http://127.0.0.1:${port}`;
  return {
    url: base,
    requests,
    intents,
    confirmations,
    refunds,
    /**
     * Posts a webhook event of `type` around (a copy of) `object` to `url`, signed with
     * `secret` now. `opts`: `id` (repeat an event), `livemode`, `timestamp` (seconds),
     * `signWith` (another secret), `signature` (the header as given; `null` for none).
     * Resolves to `{ status, text, json, event }`.
     */
    async webhook(url, type, object, secret, opts = {}) {
      const event = {
        id: opts.id ?? `evt_fake${randomBytes(9).toString('hex')}`,
        object: 'event',
        api_version: '2024-06-20',
        created: Math.floor(Date.now() / 1000),
        data: { object: clone(object), previous_attributes: {} },
        livemode: opts.livemode ?? false,
        pending_webhooks: 1,
        request: { id: null, idempotency_key: null },
        type,
      };
      const body = JSON.stringify(event);
      const t = opts.timestamp ?? Math.floor(Date.now() / 1000);
      const v1 = createHmac('sha256', opts.signWith ?? secret).update(`${t}.${body}`).digest('hex');
      const signature = 'signature' in opts ? opts.signature : `t=${t},v1=${v1}`;
      const headers = { 'Content-Type': 'application/json; charset=utf-8', 'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)' };
      if (signature !== null) headers['Stripe-Signature'] = signature;
      const res = await fetch(url, { method: 'POST', headers, body });
      const text = await res.text();
      let json = null;
      try { json = JSON.parse(text); } catch { /* not JSON */ }
      return { status: res.status, text, json, event, headers: res.headers };
    },
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
