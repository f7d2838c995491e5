// Embedded checkout in real Chromium: a merchant page on another origin (http://localhost:…,
// while the gateway is http://127.0.0.1:…) loads /v1/checkout.js, mounts the iframe and pays
// through it; a page on an unregistered origin can neither frame the form nor hear from it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { iframeSettled, launchBrowser, seriousA11yViolations } from '../support/browser.mjs';
import { admin, api, newAccount } from '../support/api.mjs';
import { startMerchant } from '../../scripts/demo-merchant.mjs';

const BASE = process.env.KASSA_URL;
let browser; let shop; let stranger; let key;
before(async () => {
  browser = await launchBrowser();
  const account = await newAccount();
  key = account.key;
  // Two servers, two origins (different ports): only the shop is registered.
  shop = await startMerchant({ gateway: BASE, apiKey: key });
  stranger = await startMerchant({ gateway: BASE, apiKey: key });
  const patch = await admin(`/accounts/${account.id}`, { method: 'PATCH', body: { allowed_origins: [shop.origin] } });
  assert.equal(patch.status, 200, patch.text);
});
after(async () => { await browser?.close(); await shop?.close(); await stranger?.close(); });

// Tall enough that the merchant's Pay button is on screen below the iframe.
const newContext = () => browser.newContext({ viewport: { width: 1280, height: 1000 } });
const events = async (id) => (await api(key, `/payments/${id}/events`)).json.events.map((e) => e.state.status);

test('a registered merchant page pays through the iframe; only states and the brand reach it', async () => {
  const context = await newContext();
  const page = await context.newPage();
  const posts = [];
  page.on('request', (r) => { if (r.method() === 'POST') posts.push({ url: r.url(), body: r.postData() ?? '' }); });
  const embedResponse = page.waitForResponse((r) => r.url().includes('/embed/'));
  await page.goto(`${shop.origin}/checkout/embedded`);
  const headers = (await embedResponse).headers();
  assert.match(headers['content-security-policy'], new RegExp(`frame-ancestors ${shop.origin}(;|$)`));
  assert.equal(headers['x-frame-options'], undefined);
  const frame = page.frameLocator('#kassa-card iframe');
  await frame.locator('#card-details[data-state="ready"]').waitFor();
  await page.waitForFunction(() => window.kassaEvents.some((e) => e.type === 'ready'));
  // A message that claims to be the iframe's, sent by the page itself, is ignored.
  const channel = new URL(await page.locator('#kassa-card iframe').getAttribute('src')).searchParams.get('channel');
  await page.evaluate((ch) => window.postMessage({ kassa: 1, channel: ch, type: 'success', status: 'success' }, '*'), channel);
  await frame.locator('#card-no').fill('4242 4242 4242 4242');
  await frame.locator('#expiry-date').fill('12/30');
  await frame.locator('#cardholder-name').fill('Mx Test Payer');
  await frame.locator('#cvc').fill('739');
  assert.equal(await page.evaluate(() => window.kassaEvents.filter((e) => e.type === 'success').length), 0);
  await page.locator('#pay').click();
  await page.waitForSelector('body[data-result]');
  assert.equal(await page.getAttribute('body', 'data-result'), 'success');
  const paymentId = await page.getAttribute('#pay', 'data-payment-id');
  assert.deepEqual((await api(key, `/payments/${paymentId}`)).json.state, { status: 'success', finished: true });
  assert.deepEqual(await events(paymentId), ['created', 'started', 'submitted', 'success']);
  const seen = await page.evaluate(() => window.kassaEvents);
  const types = new Set(seen.map((e) => e.type));
  for (const t of ['ready', 'change', 'resize', 'success']) assert.ok(types.has(t), t);
  assert.ok(seen.some((e) => e.type === 'change' && e.brand === 'visa'));
  assert.doesNotMatch(JSON.stringify(seen), /4242|739|Test Payer/, 'no card data in messages');
  const pay = posts.filter((p) => p.url.endsWith('/embed'));
  assert.equal(pay.length, 1);
  const names = [...pay[0].body.matchAll(/name="([^"]+)"/g)].map((m) => m[1]).sort(); // multipart
  // The mounting page's origin and channel travel with Pay, for 3-D Secure to report to.
  assert.deepEqual(names, ['channel', 'csrf', 'origin', 'sealed_card', 'session']);
  assert.match(pay[0].body, /kst1\./);
  // Long patterns only: the random csrf, session and ciphertext may contain "739" by chance
  // (the names above show no field carries a security code).
  assert.doesNotMatch(pay[0].body, /4242424242424242|4242 4242|Test Payer/);
  await context.close();
});

test('a declined card in the iframe is reported as a failure with its code', async () => {
  const context = await newContext();
  const page = await context.newPage();
  await page.goto(`${shop.origin}/checkout/embedded`);
  const frame = page.frameLocator('#kassa-card iframe');
  await frame.locator('#card-details[data-state="ready"]').waitFor();
  assert.deepEqual(await seriousA11yViolations(page.frames().find((f) => f.url().includes('/embed/'))), [], 'embed page');
  await frame.locator('#card-no').fill('4000000000000002');
  await frame.locator('#expiry-date').fill('12/30');
  await frame.locator('#cardholder-name').fill('Mx Test Payer');
  await frame.locator('#cvc').fill('739');
  await page.locator('#pay').click();
  await page.waitForSelector('body[data-result]');
  assert.equal(await page.getAttribute('body', 'data-result'), 'failure');
  const failure = await page.evaluate(() => window.kassaEvents.find((e) => e.type === 'failure'));
  assert.equal(failure.status, 'failed');
  assert.equal(failure.code, 'P0010');
  await context.close();
});

test('a page on an unregistered origin can neither frame the form nor receive its messages', async () => {
  const context = await newContext();
  const page = await context.newPage();
  // The loader declares the page's real origin: the gateway refuses to serve the form.
  await page.goto(`${stranger.origin}/checkout/embedded`);
  let frame = await iframeSettled(page);
  assert.equal(await frame.locator('#card-details').count(), 0);
  // A hand-made iframe that claims the registered origin: the gateway serves the form, but
  // its frame-ancestors keeps the browser from showing it here, and its messages would be
  // addressed to the registered origin only.
  const payment = (await api(key, '/payments', { method: 'POST', body: { amount: 100, reference: 'X', description: 'X', return_url: `${shop.origin}/return` } })).json;
  const token = payment._links.next_url.href.split('/secure/')[1];
  await page.evaluate(() => { window.heard = []; window.addEventListener('message', (e) => window.heard.push(e.data)); });
  await page.evaluate(({ src }) => { document.querySelector('iframe').remove(); const f = document.createElement('iframe'); f.src = src; document.body.append(f); },
    { src: `${BASE}/embed/${token}?origin=${encodeURIComponent(shop.origin)}&channel=abc` });
  frame = await iframeSettled(page);
  assert.equal(await frame.locator('#card-details').count(), 0, 'the browser refused to render it');
  assert.deepEqual(await page.evaluate(() => window.heard), []);
  assert.deepEqual(await page.evaluate(() => window.kassaEvents.filter((e) => e.type !== 'resize')), []);
  await context.close();
});

test('/v1/checkout.js is the same bytes every time, loadable cross-origin with SRI', async () => {
  const a = await fetch(`${BASE}/v1/checkout.js`);
  const b = await fetch(`${BASE}/v1/checkout.js`);
  const body = await a.text();
  assert.equal(body, await b.text());
  assert.equal(a.headers.get('access-control-allow-origin'), '*');
  assert.match(a.headers.get('content-type'), /javascript/);
  const { createHash } = await import('node:crypto');
  const integrity = `sha384-${createHash('sha384').update(body).digest('base64')}`;
  const context = await newContext();
  const page = await context.newPage();
  await page.goto(`${shop.origin}/`);
  const loaded = await page.evaluate(({ src, integrity }) => new Promise((resolve) => {
    const s = document.createElement('script');
    s.src = src; s.integrity = integrity; s.crossOrigin = 'anonymous';
    s.onload = () => resolve(typeof window.Kassa?.init); s.onerror = () => resolve('blocked');
    document.head.append(s);
  }), { src: `${BASE}/v1/checkout.js`, integrity });
  assert.equal(loaded, 'function');
  await context.close();
});

test('pay() asked before the iframe is ready waits for it and is answered', async () => {
  const context = await newContext();
  const page = await context.newPage();
  await page.goto(`${shop.origin}/checkout/embedded`);
  const created = await api(key, '/payments', {
    method: 'POST',
    body: { amount: 500, reference: 'early-pay', description: 'Early pay', return_url: `${shop.origin}/done` },
  });
  assert.equal(created.status, 201, created.text);
  // A second mount on the same page, asked to pay at once: the form is still loading, so the
  // request is held until its `ready` and then answered (empty fields: `invalid`).
  const result = await page.evaluate(async (nextUrl) => {
    const checkout = Kassa.init({ nextUrl });
    const el = document.createElement('div');
    document.body.append(el);
    checkout.mount(el);
    return checkout.pay();
  }, created.json._links.next_url.href);
  assert.equal(result.type, 'invalid');
  await context.close();
});

test('only the window that mounted the form can drive it, not another window of its origin', async () => {
  const context = await newContext();
  const page = await context.newPage();
  await page.goto(`${shop.origin}/checkout/embedded`);
  const frame = page.frameLocator('#kassa-card iframe');
  await frame.locator('#card-details[data-state="ready"]').waitFor();
  await page.evaluate(() => {
    window.heard = [];
    window.addEventListener('message', (e) => { if (e.data?.kassa === 1) window.heard.push(e.data.type); });
  });
  const channel = new URL(await page.locator('#kassa-card iframe').getAttribute('src')).searchParams.get('channel');
  // A popup on the merchant's own origin, holding a reference to the iframe, asks it to
  // pay on the right channel: the form ignores it (it would otherwise answer `invalid`,
  // its fields being empty).
  const [popup] = await Promise.all([
    context.waitForEvent('page'),
    page.evaluate(() => { window.open('/', 'other'); }),
  ]);
  await popup.waitForLoadState();
  await popup.evaluate(({ ch, gateway }) => {
    window.opener.frames[0].postMessage({ kassa: 1, channel: ch, type: 'pay' }, gateway);
  }, { ch: channel, gateway: new URL(BASE).origin });
  // The mounting page's own pay() is answered; messages to the iframe are handled in the
  // order they were posted, so by then the popup's has been handled too.
  await page.locator('#pay').click();
  await page.waitForSelector('body[data-result="invalid"]');
  assert.deepEqual((await page.evaluate(() => window.heard)).filter((t) => t === 'invalid'), ['invalid']);
  await context.close();
});
