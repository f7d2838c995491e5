// Adyen's 3-D Secure redirect in real headless Chromium, with JavaScript on and off: a gateway
// of its own pointed at the fake Adyen (tests/support/fake-adyen.mjs), the hosted card page,
// the way to Adyen's redirect page (a GET link, followed by the page's script or the payer's
// click; or a form of the action's data posted to Adyen, which the page's CSP must allow),
// the issuer's answer, and the way back: the gateway's return page hands redirectResult to
// /payments/details and shows the confirm page (completed) or the declined page (failed).
// Outcomes are checked through the API, as a merchant would.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { launchBrowser } from '../support/browser.mjs';
import { startGateway, devVars } from '../support/gateway.mjs';
import { clientOf } from '../support/api.mjs';
import { startFakeAdyen } from '../support/fake-adyen.mjs';

const API_KEY = 'AQEyhmfxKfA0KassaFakeAdyenBrowserUser000001234';
const MERCHANT = 'KassaBrowserECOM';
const HMAC_KEY = randomBytes(32).toString('hex');
const GET_REDIRECT = '4212345678901237';
const POST_REDIRECT = '4000000000003220';
const DECLINED = { status: 'failed', finished: true, code: 'P0010', message: 'Payment method rejected' };

let browser; let adyen; let gateway; let shop; let shopOrigin; let key;

const { call } = clientOf(() => gateway.url);
const payment = async (id) => (await call(`/v1/payments/${id}`, { token: key })).json;

before(async () => {
  adyen = await startFakeAdyen({ apiKey: API_KEY, merchantAccount: MERCHANT, hmacKey: HMAC_KEY });
  gateway = await startGateway({ name: 'gateway-adyen-browser', vars: { ADYEN_API_BASE: adyen.url } });
  // The merchant's return_url: a page of its own, on its own origin.
  shop = createServer((req, res) => { res.writeHead(200, { 'Content-Type': 'text/html' }); res.end('<!doctype html><title>Shop</title><h1>Thank you</h1>'); });
  await new Promise((ok) => shop.listen(0, '127.0.0.1', ok));
  shopOrigin = `http://127.0.0.1:${shop.address().port}`;
  const token = devVars().ADMIN_TOKEN;
  const created = await call('/admin/v1/accounts', { method: 'POST', token });
  assert.equal(created.status, 201, created.text);
  key = created.json.api_key;
  const patch = await call(`/admin/v1/accounts/${created.json.account_id}`, {
    method: 'PATCH',
    token,
    body: { payment_provider: 'adyen', provider_credentials: { api_key: API_KEY, merchant_account: MERCHANT, hmac_key: HMAC_KEY } },
  });
  assert.equal(patch.status, 200, patch.text);
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await gateway?.stop();
  await adyen?.close();
  shop?.closeAllConnections();
  await new Promise((ok) => (shop ? shop.close(ok) : ok()));
});

async function createPayment() {
  const res = await call('/v1/payments', {
    method: 'POST', token: key,
    body: { amount: 1450, reference: 'BROWSER-ADYEN', description: 'Kassa mug', return_url: `${shopOrigin}/return` },
  });
  assert.equal(res.status, 201, res.text);
  return res.json;
}

/** Opens next_url, types the card and submits it; resolves once Adyen's redirect page shows. */
async function payToAdyen(p, number, javaScript) {
  const context = await browser.newContext({ javaScriptEnabled: javaScript });
  const page = await context.newPage();
  const blocked = [];
  page.on('console', (m) => { if (/Content Security Policy/.test(m.text())) blocked.push(m.text()); });
  await page.goto(p._links.next_url.href);
  if (javaScript) await page.waitForSelector('#card-details[data-state="ready"]');
  await page.locator('#card-no').fill(number);
  await page.locator('#expiry-date').fill('12/30');
  await page.locator('#cardholder-name').fill('Mx Test Payer');
  await page.locator('#cvc').fill('737');
  await page.locator('#submit-card-details').click();
  if (!javaScript) {
    // Without scripts the payer presses the page's button (a link, or the form's button).
    await page.waitForSelector('#continue-to-provider');
    await page.locator('#continue-to-provider').click();
  }
  await page.waitForURL((url) => url.href.startsWith(`${adyen.url}/checkoutshopper/threeDS/redirect`));
  await page.waitForSelector('text=3D Secure 2 Test Page');
  return { context, page, blocked };
}

for (const javaScript of [true, false]) {
  const js = javaScript ? 'JavaScript on' : 'JavaScript off';
  for (const [number, how] of [[GET_REDIRECT, 'GET link'], [POST_REDIRECT, 'POST form']]) {
    test(`hosted, ${js}, ${how}: completed at Adyen, back to the confirm page, then return_url as success`, async () => {
      const p = await createPayment();
      const { context, page, blocked } = await payToAdyen(p, number, javaScript);
      assert.deepEqual((await payment(p.payment_id)).state, { status: 'started', finished: false });
      await page.locator('button', { hasText: 'Complete authentication' }).click();
      await page.waitForSelector('#confirm');
      assert.ok(page.url().startsWith(`${gateway.url}/`), page.url());
      assert.deepEqual((await payment(p.payment_id)).state, { status: 'submitted', finished: false });
      await page.locator('#confirm').click();
      await page.waitForURL(`${shopOrigin}/return`);
      const paid = await payment(p.payment_id);
      assert.deepEqual(paid.state, { status: 'success', finished: true });
      assert.equal(paid.authorisation_summary?.three_d_secure?.required, true);
      const details = adyen.requests.filter((r) => r.path === '/v71/payments/details');
      assert.ok(details.length >= 1, 'the return went to /payments/details');
      assert.deepEqual(blocked, [], 'nothing the page needed was blocked');
      await context.close();
    });
  }

  test(`hosted, ${js}: failed at Adyen, the declined page, failed P0010`, async () => {
    const p = await createPayment();
    const { context, page } = await payToAdyen(p, GET_REDIRECT, javaScript);
    await page.locator('button', { hasText: 'Fail authentication' }).click();
    await page.waitForSelector('#outcome');
    assert.match(await page.locator('main').textContent(), /declined/i);
    assert.deepEqual((await payment(p.payment_id)).state, DECLINED);
    await context.close();
  });
}
