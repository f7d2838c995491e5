// Embedded checkout's tokenize mode in real Chromium: the demo shop's page (another origin,
// registered) mounts the iframe with its publishable key, the payer types a card, the page's
// tokenize() gets a sealed card and the shop's server creates the payment with it. A page on
// an unregistered origin can neither frame the tokenize form nor receive its messages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { iframeSettled, launchBrowser, seriousA11yViolations } from '../support/browser.mjs';
import { admin, api } from '../support/api.mjs';
import { startMerchant } from '../../scripts/demo-merchant.mjs';

const BASE = process.env.KASSA_URL;
let browser; let shop; let stranger; let key; let pk;
before(async () => {
  browser = await launchBrowser();
  const created = await admin('/accounts', { method: 'POST' });
  key = created.json.api_key;
  pk = created.json.publishable_keys.test;
  shop = await startMerchant({ gateway: BASE, apiKey: key, publishableKey: pk });
  stranger = await startMerchant({ gateway: BASE, apiKey: key, publishableKey: pk });
  const patch = await admin(`/accounts/${created.json.account_id}`, { method: 'PATCH', body: { allowed_origins: [shop.origin] } });
  assert.equal(patch.status, 200, patch.text);
});
after(async () => { await browser?.close(); await shop?.close(); await stranger?.close(); });

// Tall enough that the shop's Pay button stays on screen below the iframe, even once the
// iframe has grown to show an error summary.
const newContext = () => browser.newContext({ viewport: { width: 1280, height: 1400 } });

async function fillCard(frame, number) {
  await frame.locator('#card-no').fill(number);
  await frame.locator('#expiry-date').fill('12/30');
  await frame.locator('#cardholder-name').fill('Mx Test Payer');
  await frame.locator('#cvc').fill('739');
}

test('tokenize(): the page gets a sealed card, the shop\'s server pays with it, the iframe sends nothing', async () => {
  const context = await newContext();
  const page = await context.newPage();
  const requests = [];
  page.on('request', (r) => requests.push({ method: r.method(), url: r.url(), body: r.postData() ?? '' }));
  const embedResponse = page.waitForResponse((r) => r.url().includes('/embed/tokenize/'));
  await page.goto(`${shop.origin}/checkout/tokenize`);
  const headers = (await embedResponse).headers();
  assert.match(headers['content-security-policy'], new RegExp(`frame-ancestors ${shop.origin}(;|$)`));
  const frame = page.frameLocator('#kassa-card iframe');
  await frame.locator('#card-details[data-state="ready"]').waitFor();
  await page.waitForFunction(() => window.kassaEvents.some((e) => e.type === 'ready'));
  const embedFrame = page.frames().find((f) => f.url().includes('/embed/tokenize/'));
  assert.deepEqual(await seriousA11yViolations(embedFrame), [], 'tokenize page');
  assert.equal(await embedFrame.locator('button').count(), 0, 'no Pay button of its own');
  // pay() is for payment links; in tokenize mode it is refused.
  assert.match(await page.evaluate(() => checkout.pay().then(() => 'paid', (e) => e.message)), /nextUrl/);

  // Nothing typed yet: the iframe shows what to correct and the page hears `invalid`.
  const resizes = () => page.evaluate(() => window.kassaEvents.filter((e) => e.type === 'resize').length);
  const resized = await resizes();
  await page.locator('#pay').click();
  await page.waitForFunction(() => window.kassaTokenized);
  const invalid = await page.evaluate(() => window.kassaTokenized);
  assert.equal(invalid.type, 'invalid');
  assert.equal(invalid.token, undefined);
  await frame.locator('.error-summary, [role="alert"]').first().waitFor();
  // The iframe grows to show the errors: let the page's layout settle before clicking again.
  await page.waitForFunction((n) => window.kassaEvents.filter((e) => e.type === 'resize').length > n, resized);

  await fillCard(frame, '4242 4242 4242 4242');
  const before = requests.length;
  await page.evaluate(() => { window.kassaTokenized = null; });
  await page.locator('#pay').click();
  await page.waitForSelector('body[data-result]');
  assert.equal(await page.getAttribute('body', 'data-result'), 'success');
  const sealed = await page.evaluate(() => window.kassaTokenized);
  assert.equal(sealed.brand, 'visa');
  assert.match(sealed.token, /^kst1\./);
  // Long patterns only: ciphertext may contain a short digit run such as "739" by chance.
  assert.deepEqual(Object.keys(sealed).sort(), ['brand', 'token']);
  assert.doesNotMatch(sealed.token, /4242424242424242|4242 4242|Test Payer/, 'the token is ciphertext');
  const paymentId = await page.getAttribute('#pay', 'data-payment-id');
  const payment = (await api(key, `/payments/${paymentId}`)).json;
  assert.deepEqual(payment.state, { status: 'success', finished: true });
  assert.equal(payment.card_details.last_digits_card_number, '4242');
  // The only request after the click is the page's own POST to its server; the iframe
  // (on the gateway's origin) sent nothing.
  const after = requests.slice(before);
  assert.deepEqual(after.map((r) => `${r.method} ${new URL(r.url).origin}${new URL(r.url).pathname}`), [`POST ${shop.origin}/checkout/tokenize`]);
  assert.deepEqual(Object.keys(JSON.parse(after[0].body)), ['token']);
  assert.doesNotMatch(after[0].body, /4242424242424242|4242 4242|Test Payer/);
  assert.doesNotMatch(JSON.stringify(await page.evaluate(() => window.kassaEvents)), /4242|739|Test Payer/);

  // The same token again, from "the server": single use.
  const again = await api(key, '/payments', { method: 'POST', body: { amount: 100, reference: 'X', description: 'X', return_url: 'https://shop.example/r', sealed_card: sealed.token } });
  assert.equal(again.status, 422);
  assert.equal(again.json.field, 'sealed_card');
  await context.close();
});

test('tokenize(): a declined card gives a failed payment with P0010', async () => {
  const context = await newContext();
  const page = await context.newPage();
  await page.goto(`${shop.origin}/checkout/tokenize`);
  const frame = page.frameLocator('#kassa-card iframe');
  await frame.locator('#card-details[data-state="ready"]').waitFor();
  await fillCard(frame, '4000000000000002');
  await page.locator('#pay').click();
  await page.waitForSelector('body[data-result]');
  assert.equal(await page.getAttribute('body', 'data-result'), 'failed');
  const payment = (await api(key, `/payments/${await page.getAttribute('#pay', 'data-payment-id')}`)).json;
  assert.equal(payment.state.code, 'P0010');
  await context.close();
});

test('a page on an unregistered origin can neither frame the tokenize form nor receive its messages', async () => {
  const context = await newContext();
  const page = await context.newPage();
  await page.goto(`${stranger.origin}/checkout/tokenize`);
  let frame = await iframeSettled(page);
  assert.equal(await frame.locator('#card-details').count(), 0, 'the gateway refused to serve it');
  // A hand-made iframe claiming the registered origin: served, but frame-ancestors keeps
  // the browser from rendering it here, and it would only talk to the registered origin.
  await page.evaluate(() => { window.heard = []; window.addEventListener('message', (e) => window.heard.push(e.data)); });
  await page.evaluate(({ src }) => { document.querySelector('iframe').remove(); const f = document.createElement('iframe'); f.src = src; document.body.append(f); },
    { src: `${BASE}/embed/tokenize/${pk}?origin=${encodeURIComponent(shop.origin)}&channel=abc` });
  frame = await iframeSettled(page);
  assert.equal(await frame.locator('#card-details').count(), 0, 'the browser refused to render it');
  await page.evaluate(() => document.querySelector('iframe').contentWindow.postMessage({ kassa: 1, channel: 'abc', type: 'tokenize' }, '*'));
  assert.deepEqual(await page.evaluate(() => window.heard), []);
  assert.deepEqual(await page.evaluate(() => window.kassaEvents.filter((e) => e.type !== 'resize')), []);
  await context.close();
});
