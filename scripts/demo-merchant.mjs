// The demo shop's "merchant backend": the small server a real shop would run. It holds the
// API key (a static page cannot), creates payments through Kassa's /v1 API and shows both
// checkout modes: redirect to the hosted page, and the embedded iframe on its own page (paying
// through the iframe, or `tokenize()` with the publishable key and paying from here). It
// runs on its own origin (http://localhost:<port>, while the gateway is http://127.0.0.1:…),
// so the embedded checkout really is cross-origin. `make dev` starts it; the browser tests
// use it as their merchant.
//
//   node scripts/demo-merchant.mjs <gateway URL> <port> <account file (JSON) or API key>
import { createServer } from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import { createHash, randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title, body, gateway) {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)} – Kassa demo shop</title>
<link rel="stylesheet" href="${esc(gateway)}/assets/kassa.css"></head><body>
<header class="header"><span class="header__brand">Kassa demo shop</span></header>
<main id="main" class="main">${body}</main></body></html>`;
}

/**
 * Starts the merchant backend. `host` is the name pages use for it (localhost by default,
 * a different origin from the gateway's 127.0.0.1).
 */
export function startMerchant({ gateway, apiKey, publishableKey, port = 0, host = 'localhost' }) {
  const payments = new Map(); // reference -> payment id
  const api = async (path, init = {}) => {
    const res = await fetch(`${gateway}/v1${path}`, {
      ...init,
      headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json', ...(init.headers ?? {}) },
    });
    return { status: res.status, json: await res.json().catch(() => null) };
  };
  // The loader pinned with Subresource Integrity, as the integration guide recommends: its
  // bytes never change within v1, so the hash is computed once, from the gateway itself.
  let loader;
  const loaderTag = () => (loader ??= fetch(`${gateway}/v1/checkout.js`)
    .then((res) => (res.ok ? res.text() : Promise.reject(new Error(`checkout.js: ${res.status}`))))
    .then((js) => `<script src="${esc(gateway)}/v1/checkout.js" integrity="sha384-${createHash('sha384').update(js).digest('base64')}" crossorigin="anonymous"></script>`)
    .catch((err) => { loader = undefined; throw err; }));
  let origin;
  const createPayment = async (language = 'en', extra = {}) => {
    const reference = `DEMO-${randomUUID().slice(0, 8)}`;
    const res = await api('/payments', {
      method: 'POST',
      headers: { 'Idempotency-Key': reference },
      body: JSON.stringify({
        amount: 1450, reference, description: 'Kassa mug', language,
        return_url: `${origin}/return?reference=${reference}`, ...extra,
      }),
    });
    if (res.status === 201) payments.set(reference, res.json.payment_id);
    else if (!extra.sealed_card) throw new Error(`creating a payment failed: ${res.status} ${JSON.stringify(res.json)}`);
    return res;
  };
  const readJson = (req) => new Promise((ok, fail) => {
    let text = '';
    req.on('data', (d) => { text += d; if (text.length > 8192) req.destroy(); });
    req.on('end', () => { try { ok(JSON.parse(text)); } catch (err) { fail(err); } });
    req.on('error', fail);
  });

  const server = createServer(async (req, res) => {
    const url = new URL(req.url, origin);
    const send = (status, html, headers = {}) => {
      res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', ...headers });
      res.end(html);
    };
    try {
      const language = url.searchParams.get('language') === 'cy' ? 'cy' : 'en';
      if (req.method === 'GET' && url.pathname === '/') {
        return send(200, page('Shop', `<h1>Kassa mug</h1><p>£14.50, paid with Kassa's sandbox (card 4242 4242 4242 4242).</p>
<form method="post" action="/checkout/redirect"><button class="button" id="pay-redirect">Pay on Kassa's payment page</button></form>
<p><a class="button button--secondary" id="pay-embedded" href="/checkout/embedded">Pay on this page (embedded checkout)</a></p>
${publishableKey ? '<p><a class="button button--secondary" id="pay-tokenize" href="/checkout/tokenize">Pay on this page, charged by the shop\'s server (tokenize)</a></p>' : ''}
<p><a href="${esc(gateway)}/shop/guide.html">Integration guide</a></p>`, gateway));
      }
      if (req.method === 'POST' && url.pathname === '/checkout/redirect') {
        const payment = (await createPayment(language)).json;
        return send(303, '', { Location: payment._links.next_url.href });
      }
      if (req.method === 'GET' && url.pathname === '/checkout/embedded') {
        const payment = (await createPayment(language)).json;
        return send(200, page('Checkout', `<h1>Pay for your Kassa mug</h1><p>Total: <strong>£14.50</strong></p>
<div id="kassa-card"></div>
<button class="button" id="pay" type="button" data-payment-id="${esc(payment.payment_id)}">Pay £14.50</button>
<p id="result" role="status"></p>
${await loaderTag()}
<script>
  window.kassaEvents = [];
  const checkout = Kassa.init({ nextUrl: ${JSON.stringify(payment._links.next_url.href)} });
  for (const name of ['ready', 'change', 'success', 'failure', 'resize']) {
    checkout.on(name, (detail) => window.kassaEvents.push({ type: name, ...detail }));
  }
  checkout.mount('#kassa-card');
  const pay = document.getElementById('pay');
  pay.addEventListener('click', async () => {
    pay.disabled = true;
    const outcome = await checkout.pay();
    document.body.dataset.result = outcome.type;
    document.getElementById('result').textContent =
      outcome.type === 'success' ? 'Thank you: your payment was successful.'
      : outcome.type === 'invalid' ? 'Check your card details.'
      : 'Your payment was not taken (' + outcome.status + ').';
    if (outcome.type === 'invalid') pay.disabled = false;
  });
</script>`, gateway));
      }
      if (req.method === 'GET' && url.pathname === '/checkout/tokenize' && publishableKey) {
        // No payment yet: the iframe seals the card for the publishable key, and this
        // server creates the payment with the sealed card (POST below).
        return send(200, page('Checkout', `<h1>Pay for your Kassa mug</h1><p>Total: <strong>£14.50</strong></p>
<div id="kassa-card"></div>
<button class="button" id="pay" type="button">Pay £14.50</button>
<p id="result" role="status"></p>
${await loaderTag()}
<script>
  window.kassaEvents = [];
  const checkout = Kassa.init({ publishableKey: ${JSON.stringify(publishableKey)} });
  for (const name of ['ready', 'change', 'resize']) {
    checkout.on(name, (detail) => window.kassaEvents.push({ type: name, ...detail }));
  }
  checkout.mount('#kassa-card');
  const pay = document.getElementById('pay');
  pay.addEventListener('click', async () => {
    pay.disabled = true;
    const sealed = await checkout.tokenize();
    window.kassaTokenized = sealed;
    if (!sealed.token) { pay.disabled = false; document.getElementById('result').textContent = 'Check your card details.'; return; }
    const res = await fetch('/checkout/tokenize', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token: sealed.token }) });
    const outcome = await res.json();
    pay.dataset.paymentId = outcome.payment_id || '';
    // The card needs the payer's 3-D Secure check: the payer goes to the gateway's page,
    // which ends on return_url.
    if (outcome.next_url) { location.assign(outcome.next_url); return; }
    document.body.dataset.result = outcome.status;
    document.getElementById('result').textContent =
      outcome.status === 'success' ? 'Thank you: your payment was successful.' : 'Your payment was not taken (' + outcome.status + ').';
  });
</script>`, gateway));
      }
      if (req.method === 'POST' && url.pathname === '/checkout/tokenize' && publishableKey) {
        const { token } = await readJson(req);
        const created = await createPayment(language, { sealed_card: String(token) });
        const state = created.json?.state ?? {};
        res.writeHead(created.status === 201 ? 200 : 422, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
        // `started` with a next_url: the payer must authenticate (3-D Secure) there.
        const next = state.status === 'started' ? created.json?._links?.next_url?.href : undefined;
        return res.end(JSON.stringify({
          payment_id: created.json?.payment_id, status: state.status ?? 'refused', code: state.code ?? created.json?.code,
          next_url: next,
        }));
      }
      if (req.method === 'GET' && url.pathname === '/return') {
        const id = payments.get(url.searchParams.get('reference') ?? '');
        const payment = id ? (await api(`/payments/${id}`)).json : null;
        const status = payment?.state?.status ?? 'unknown';
        return send(200, page('Order', `<h1 id="order-status" data-status="${esc(status)}">${status === 'success' ? 'Thank you for your order' : 'Your order was not paid'}</h1>
<p>Payment ${esc(id ?? 'unknown')}: ${esc(status)}.</p><p><a href="/">Back to the shop</a></p>`, gateway));
      }
      return send(404, page('Not found', '<h1>Page not found</h1>', gateway));
    } catch (err) {
      return send(500, page('Error', `<h1>Something went wrong</h1><p>${esc(err.message)}</p>`, gateway));
    }
  });
  return new Promise((resolve) => {
    server.listen(port, '127.0.0.1', () => {
      origin = `http://${host}:${server.address().port}`;
      resolve({ origin, payments, close: () => new Promise((ok) => server.close(ok)) });
    });
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const [gateway, port, keyArg] = process.argv.slice(2);
  const account = existsSync(keyArg) ? JSON.parse(readFileSync(keyArg, 'utf8')) : { api_key: keyArg };
  const merchant = await startMerchant({
    gateway, apiKey: account.api_key, publishableKey: account.publishable_keys?.test, port: Number(port),
  });
  console.log(`  Demo shop (merchant backend)  ${merchant.origin}/`);
}
