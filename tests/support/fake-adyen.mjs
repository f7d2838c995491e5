// A local HTTP server that speaks Adyen's Checkout API (v71) for the calls Kassa's Adyen
// adapter makes (POST /payments, /payments/details, /payments/{psp}/captures|cancels|refunds,
// and the standalone POST /cancels by merchant reference),
// with answers built from the examples of Adyen's OpenAPI document
// (tests/fixtures/adyen-checkout-examples.json), and that sends Adyen's standard
// notifications, signed with the account's HMAC key by Node's own crypto (an implementation
// independent of kassa-core's).
//
// Rules it keeps, as Adyen does: the `X-API-Key` must be one it knows (else 401) and the
// `merchantAccount` the key's (else 403); an `Idempotency-Key` replays the first answer for
// the same key (5xx answers are not stored); captures, cancels and refunds are answered
// `received` (201) and their outcome is queued as a notification; a standalone cancel
// cancels the authorised payments with its `paymentReference` (none may exist: the
// authorisation it gives up on may never have been made), is answered `received` and
// queues a TECHNICAL_CANCEL notification (`fake.standaloneCancels` records each); every request is recorded
// so tests can check exactly what was sent (the payer's visits to the redirect page too,
// without a key).
//
// Test cards (Adyen's own): 4111111111111111 and 5555555555554444 authorise; a holder name
// of DECLINED, CARD_EXPIRED, NOT_ENOUGH_BALANCE or CVC_DECLINED is refused with that
// reason and ERROR is an acquirer error, as in Adyen's test environment. Kassa's sandbox
// numbers work too: 4000000000000002 is refused, 4000000000000119 an acquirer error.
// 3-D Secure redirect: 4212345678901237 (the card of Adyen's redirect example) answers
// `RedirectShopper` with a GET `action` to `<fake>/checkoutshopper/threeDS/redirect?token=…`;
// 4000000000003220 with a POST `action` there whose `data` (MD, PaReq, TermUrl) the payer's
// browser posts. Either way that is the issuer's page (no key, may be framed), whose buttons
// "Complete authentication" and "Fail authentication" post `result=complete|fail`; it
// answers 303 to the payment's `returnUrl` with `redirectResult` added to its query, which
// /payments/details turns into Authorised or Refused (11, 3D Not Authenticated).
// Faults per call: `fake.inject('payments', 'hang')` processes the next /payments but never
// answers; `fake.inject('captures', 500)` answers the next capture 500 without doing it.
// Notifications are only queued (`outbox`, sent by `fake.notify`) unless `autoNotify` names
// where to send them (a URL, or a function returning one, since the account's URL is known
// only once the gateway runs): then each capture, cancel and refund's notification (and, with
// `autoNotifyEvents`, AUTHORISATION's) is posted there once the call's answer has been sent,
// as Adyen does, and sent again (up to 5 times) until accepted; `fake.autoNotified` records
// each attempt.
import { createServer } from 'node:http';
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './gateway.mjs';

const FIXTURES = JSON.parse(readFileSync(join(ROOT, 'tests/fixtures/adyen-checkout-examples.json'), 'utf8'));
const EXAMPLES = FIXTURES.examples;
const example = (name) => JSON.parse(JSON.stringify(EXAMPLES[name]));
const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const AUTHORISED_CARDS = new Set(['4111111111111111', '5555555555554444']);
const REDIRECT_CARDS = new Map([['4212345678901237', 'GET'], ['4000000000003220', 'POST']]);
/** Adyen's test holder names and Kassa's sandbox numbers → [refusalReasonCode, refusalReason]. */
const REFUSALS = new Map([
  ['DECLINED', ['2', 'Refused']],
  ['CARD_EXPIRED', ['6', 'Expired Card']],
  ['NOT_ENOUGH_BALANCE', ['12', 'Not enough balance']],
  ['CVC_DECLINED', ['24', 'CVC Declined']],
  ['4000000000000002', ['2', 'Refused']],
]);
const ERRORS = new Set(['ERROR', '4000000000000119']);

/** Adyen's signed string of a NotificationRequestItem (its HMAC documentation's order). */
export function signingString(item) {
  const s = (v) => (v === undefined || v === null ? '' : String(v));
  return [item.pspReference, item.originalReference, item.merchantAccountCode, item.merchantReference,
    item.amount?.value, item.amount?.currency, item.eventCode, item.success].map(s).join(':');
}

/** The base64 HMAC-SHA256 of an item under a hex key, with Node's crypto. */
export function hmacSignature(hexKey, item) {
  return createHmac('sha256', Buffer.from(hexKey, 'hex')).update(signingString(item), 'utf8').digest('base64');
}

function serviceError(name, overrides = {}) {
  const body = { ...example(name), ...overrides };
  return { status: body.status, body };
}

function redirectPage(attempt) {
  const amount = `${(attempt.amount.value / 100).toFixed(2)} ${attempt.amount.currency}`;
  const body = attempt.result
    ? '<p>This authentication is no longer pending.</p>'
    : `<p>Authenticate a payment of ${escapeHtml(amount)}.</p>
<form method="post" action="/checkoutshopper/threeDS/redirect?token=${escapeHtml(attempt.token)}">
<button type="submit" name="result" value="complete">Complete authentication</button>
<button type="submit" name="result" value="fail">Fail authentication</button>
</form>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>3D Secure 2 Test Page</title></head>
<body><h1>3D Secure 2 Test Page</h1>
${body}
</body></html>
`;
}

/**
 * @param {{apiKey: string, merchantAccount: string, hmacKey: string, live?: boolean,
 *   autoNotify?: string | (() => string), autoNotifyEvents?: string[]}} opts
 *   the web service user's key, the merchant account it acts for, the HMAC key of the
 *   account's standard notifications, where to send notifications by itself (none: tests
 *   send them with `notify`) and which (modifications' unless told: AUTHORISATION too).
 */
export async function startFakeAdyen({
  apiKey, merchantAccount, hmacKey, live = false, autoNotify, autoNotifyEvents = ['CAPTURE', 'CANCELLATION', 'REFUND'],
}) {
  const requests = [];
  const payments = new Map(); // pspReference → { reference, amount, status, modifications }
  const attempts = new Map(); // redirect token → the 3-D Secure attempt
  const results = new Map(); // redirectResult → the attempt
  const idempotent = new Map();
  const outbox = []; // notification items waiting to be sent
  const faults = { payments: [], details: [], captures: [], cancels: [], refunds: [], 'standalone-cancels': [] };
  const standaloneCancels = []; // { paymentReference, reference, cancelled: [pspReference] }
  const hanging = new Set();
  const autoNotified = []; // { eventCode, pspReference, attempt, status } per automatic delivery
  let seq = 0;
  let base = null;
  const psp = () => `F${String(++seq).padStart(15, '0')}`;

  function queue(eventCode, success, fields) {
    const item = {
      eventCode, success: String(success), merchantAccountCode: merchantAccount,
      eventDate: new Date().toISOString(), paymentMethod: 'visa', ...fields,
    };
    outbox.push(item);
    return item;
  }

  function authorised(reference, amount, pspReference) {
    payments.set(pspReference, { reference, amount, status: 'authorised', modifications: [] });
    queue('AUTHORISATION', true, { pspReference, merchantReference: reference, amount });
    const body = example('post-payments-card-direct-200');
    return { status: 200, body: { ...body, pspReference, merchantReference: reference } };
  }

  function refused(reference, amount, pspReference, [code, reason]) {
    queue('AUTHORISATION', false, { pspReference, merchantReference: reference, amount, reason });
    return {
      status: 200,
      body: { pspReference, resultCode: 'Refused', refusalReason: reason, refusalReasonCode: code, merchantReference: reference },
    };
  }

  function pay(params) {
    const method = params.paymentMethod ?? {};
    if (!params.returnUrl) return serviceError('generic-422');
    if (method.type !== 'scheme' || !method.number || !params.amount || !params.reference) {
      return serviceError('generic-422', { errorCode: '14_0', message: 'Required field missing' });
    }
    const { number, holderName } = method;
    const pspReference = psp();
    const refusal = REFUSALS.get(holderName) ?? REFUSALS.get(number);
    if (refusal) return refused(params.reference, params.amount, pspReference, refusal);
    if (ERRORS.has(holderName) || ERRORS.has(number)) {
      return { status: 200, body: { pspReference, resultCode: 'Error', refusalReason: 'Acquirer Error', refusalReasonCode: '4', merchantReference: params.reference } };
    }
    if (REDIRECT_CARDS.has(number)) {
      const token = randomBytes(12).toString('hex');
      attempts.set(token, { token, pspReference, reference: params.reference, amount: params.amount, returnUrl: params.returnUrl, result: null });
      const body = example('post-payments-card-3d-secure-redirect-200');
      body.pspReference = pspReference;
      body.additionalData.merchantReference = params.reference;
      if (REDIRECT_CARDS.get(number) === 'GET') {
        body.action.url = `${base}/checkoutshopper/threeDS/redirect?token=${token}`;
      } else {
        body.action.url = `${base}/checkoutshopper/threeDS/redirect`;
        body.action.method = 'POST';
        body.action.data = { MD: token, PaReq: randomBytes(24).toString('base64'), TermUrl: params.returnUrl };
      }
      return { status: 200, body };
    }
    if (AUTHORISED_CARDS.has(number)) return authorised(params.reference, params.amount, pspReference);
    return refused(params.reference, params.amount, pspReference, ['8', 'Invalid Card Number']);
  }

  /**
   * The payer at the issuer's page (no API key: it is their browser): arriving by the GET
   * link or the posted form (its MD names the attempt), then answering it.
   */
  function challenge(method, token, form) {
    const attempt = attempts.get(token ?? form.get('MD'));
    const html = (status, text, headers = {}) => ({ status, html: text, headers });
    if (!attempt) return html(404, '<!doctype html><title>Not found</title><p>No such authentication.</p>');
    if (method === 'GET' || (method === 'POST' && !form.has('result'))) return html(200, redirectPage(attempt));
    if (method !== 'POST') return html(405, '<!doctype html><title>Method not allowed</title>');
    if (!attempt.result) {
      attempt.result = form.get('result') === 'complete' ? 'authorised' : 'failed';
      attempt.redirectResult = `${randomBytes(18).toString('base64url')}!fake`;
      results.set(attempt.redirectResult, attempt);
    }
    const back = new URL(attempt.returnUrl);
    back.searchParams.set('redirectResult', attempt.redirectResult);
    return html(303, '', { Location: back.href });
  }

  function details(params) {
    const attempt = results.get(params.details?.redirectResult);
    if (!attempt) return serviceError('generic-422', { errorCode: '14_018', message: 'Invalid payload provided' });
    if (attempt.result === 'authorised') {
      if (!payments.has(attempt.pspReference)) {
        payments.set(attempt.pspReference, { reference: attempt.reference, amount: attempt.amount, status: 'authorised', modifications: [] });
        queue('AUTHORISATION', true, { pspReference: attempt.pspReference, merchantReference: attempt.reference, amount: attempt.amount });
      }
      const body = example('post-payments-details-00.redirect-200');
      return { status: 200, body: { ...body, pspReference: attempt.pspReference, merchantReference: attempt.reference } };
    }
    return { status: 200, body: { resultCode: 'Refused', refusalReason: '3D Not Authenticated', refusalReasonCode: '11', pspReference: attempt.pspReference, merchantReference: attempt.reference } };
  }

  function modify(kind, paymentPsp, params) {
    const payment = payments.get(paymentPsp);
    if (!payment) return serviceError('generic-422', { errorCode: '167', message: 'Original pspReference required for this operation' });
    const names = {
      captures: ['post-payments-paymentPspReference-captures-capture-201', 'CAPTURE'],
      cancels: ['post-payments-paymentPspReference-cancels-cancel-with-psp-reference-201', 'CANCELLATION'],
      refunds: ['post-payments-paymentPspReference-refunds-refund-201', 'REFUND'],
    };
    const [name, eventCode] = names[kind];
    const body = example(name);
    delete body.platformChargebackLogic;
    const pspReference = psp();
    Object.assign(body, { merchantAccount, paymentPspReference: paymentPsp, reference: params.reference, pspReference });
    if (params.amount) body.amount = params.amount;
    // Adyen takes the request and decides later: the notification says whether it worked.
    const ok = kind === 'captures' ? payment.status === 'authorised'
      : kind === 'cancels' ? payment.status === 'authorised'
        : payment.status === 'captured';
    if (ok && kind === 'captures') payment.status = 'captured';
    if (ok && kind === 'cancels') payment.status = 'cancelled';
    payment.modifications.push({ kind, pspReference, reference: params.reference, amount: params.amount, ok });
    queue(eventCode, ok, {
      pspReference, originalReference: paymentPsp, merchantReference: params.reference,
      amount: params.amount ?? payment.amount,
    });
    return { status: 201, body };
  }

  /** POST /cancels: cancels by the merchant's reference for the payment, as Adyen does. */
  function standaloneCancel(params) {
    if (!params.paymentReference) {
      return serviceError('generic-422', { errorCode: '14_0', message: 'Required field missing' });
    }
    const cancelled = [];
    for (const [pspReference, payment] of payments) {
      if (payment.reference !== params.paymentReference || payment.status !== 'authorised') continue;
      payment.status = 'cancelled';
      payment.modifications.push({ kind: 'standalone-cancels', reference: params.reference, ok: true });
      cancelled.push(pspReference);
    }
    standaloneCancels.push({ paymentReference: params.paymentReference, reference: params.reference, cancelled });
    const pspReference = psp();
    queue('TECHNICAL_CANCEL', cancelled.length > 0, {
      pspReference, originalReference: cancelled[0], merchantReference: params.paymentReference,
    });
    const body = example('post-cancels-cancel-with-own-reference-201');
    Object.assign(body, { merchantAccount, paymentReference: params.paymentReference, reference: params.reference, pspReference });
    return { status: 201, body };
  }

  function route(method, path, params) {
    if (method !== 'POST') return serviceError('generic-400', { status: 405, message: 'Method not allowed' });
    // /payments/details needs no merchant account (the redirect's result names the payment).
    if (path === '/v71/payments/details') return details(params);
    if (params.merchantAccount !== merchantAccount) return serviceError('generic-403');
    if (path === '/v71/payments') return pay(params);
    if (path === '/v71/cancels') return standaloneCancel(params);
    const m = /^\/v71\/payments\/([^/]+)\/(captures|cancels|refunds)$/.exec(path);
    if (m) return modify(m[2], decodeURIComponent(m[1]), params);
    return serviceError('generic-400', { status: 404, message: 'Not found' });
  }

  const operationOf = (path) => (path === '/v71/payments' ? 'payments'
    : path === '/v71/payments/details' ? 'details'
      : path === '/v71/cancels' ? 'standalone-cancels'
        : /\/(captures|cancels|refunds)$/.exec(path)?.[1]);

  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => { raw += c; });
    req.on('end', () => {
      const url = new URL(req.url, 'http://fake');
      const record = { method: req.method, path: url.pathname, query: url.search, headers: req.headers, body: raw };
      requests.push(record);
      const send = ({ status, body }) => {
        res.writeHead(status, { 'Content-Type': 'application/json;charset=UTF-8', pspReference: body?.pspReference ?? '' });
        res.end(JSON.stringify(body));
      };
      if (url.pathname === '/checkoutshopper/threeDS/redirect') {
        const { status, html, headers } = challenge(req.method, url.searchParams.get('token'), new URLSearchParams(raw));
        res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', ...headers });
        return res.end(html);
      }
      if (req.headers['x-api-key'] !== apiKey) return send(serviceError('generic-401'));
      record.key = apiKey;
      let params;
      try { params = JSON.parse(raw); } catch { return send(serviceError('generic-400')); }
      record.json = params;
      const key = req.headers['idempotency-key'];
      if (key && idempotent.has(key)) return send(idempotent.get(key));
      const fault = faults[operationOf(url.pathname)]?.shift();
      if (typeof fault === 'number') return send(serviceError('generic-500', { status: fault })); // not stored
      const queued = outbox.length;
      const answer = route(req.method, url.pathname, params);
      const toNotify = autoNotify ? outbox.slice(queued).filter((i) => autoNotifyEvents.includes(i.eventCode)) : [];
      if (key && answer.status < 500) idempotent.set(key, answer);
      // Adyen decides after answering: its notification follows the answer (or, when the
      // answer is lost, comes all the same).
      if (fault === 'hang') { // processed, never answered
        hanging.add(res);
        if (toNotify.length) deliverByItself(toNotify);
        return undefined;
      }
      if (toNotify.length) res.on('finish', () => { deliverByItself(toNotify); });
      return send(answer);
    });
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${server.address().port}`;

  async function post(url, items, opts = {}) {
    const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: body(items, opts) });
    return { status: res.status, text: await res.text() };
  }

  /** Sends `items` to the `autoNotify` URL until accepted, as Adyen retries what it could not deliver. */
  async function deliverByItself(items) {
    const url = typeof autoNotify === 'function' ? autoNotify() : autoNotify;
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      let status;
      try { status = (await post(url, items)).status; } catch { status = 'unreachable'; }
      for (const i of items) autoNotified.push({ eventCode: i.eventCode, pspReference: i.pspReference, merchantReference: i.merchantReference, attempt, status });
      if (status === 200) return;
      await new Promise((r) => setTimeout(r, 250 * attempt));
    }
  }

  /** A notification body of `items`, each signed (unless `signed: false`) with `key`. */
  function body(items, { key = hmacKey, signed = true, liveClaim = live } = {}) {
    return JSON.stringify({
      live: String(liveClaim),
      notificationItems: items.map((item) => {
        const copy = JSON.parse(JSON.stringify(item));
        copy.additionalData = { ...copy.additionalData };
        if (signed) copy.additionalData.hmacSignature = hmacSignature(key, copy);
        return { NotificationRequestItem: copy };
      }),
    });
  }

  return {
    url: base,
    requests,
    payments,
    outbox,
    autoNotified,
    standaloneCancels,
    /** Makes the next call of `operation` (payments, details, captures, cancels, refunds, standalone-cancels) fail: 'hang' or an HTTP status. */
    inject(operation, fault) { faults[operation].push(fault); },
    /** The API requests (with a key) for one merchant reference or pspReference, in order. */
    for(ref) {
      return requests.filter((r) => r.key && (r.path.includes(ref) || r.json?.reference === ref || r.json?.reference?.startsWith?.(`${ref}.`)));
    },
    /** The queued notification items about a Kassa payment (its reference, or a refund's). */
    itemsFor(paymentId) {
      return outbox.filter((i) => i.merchantReference === paymentId || i.merchantReference.startsWith(`${paymentId}.`));
    },
    body,
    /** Posts a notification of `items` to `url` as Adyen does; resolves to its answer. */
    notify: post,
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise((ok) => server.close(ok));
    },
  };
}
