// The embedded checkout journeys in real headless Chromium, written once and run on three
// accounts of one gateway: the sandbox, Stripe (tests/support/fake-stripe.mjs) and Adyen
// (tests/support/fake-adyen.mjs). Each account has its own demo shop
// (scripts/demo-merchant.mjs, with the account's API key, its origin registered for
// framing); the shop's page mounts the iframe and asks pay(). A card that authorises
// resolves pay() with success; a 3-D Secure challenge shows inside the iframe (the sandbox's
// page, or the provider's own, framed by the gateway's) and pay() resolves only once it is
// answered. Outcomes are checked through the API, as a merchant would.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { launchBrowser } from '../support/browser.mjs';
import { startGateway, devVars } from '../support/gateway.mjs';
import { clientOf } from '../support/api.mjs';
import { startFakeStripe } from '../support/fake-stripe.mjs';
import { startFakeAdyen } from '../support/fake-adyen.mjs';
import { startMerchant } from '../../scripts/demo-merchant.mjs';

const ADMIN_TOKEN = devVars().ADMIN_TOKEN;
const STRIPE_KEY = 'sk_test_51KassaBrowserJourneysStripe0000000000000000000004242';
const ADYEN = {
  api_key: 'AQEyhmfxKfA0KassaBrowserJourneysUser00000002222',
  merchant_account: 'KassaBrowserJourneysECOM',
  hmac_key: randomBytes(32).toString('hex').toUpperCase(),
};
const SUCCESS = { status: 'success', finished: true };

let gateway; let stripe; let adyen; let browser;

const { call } = clientOf(() => gateway.url);

/** The sandbox's challenge is the gateway's page in the iframe; the providers' is their own page, framed there. */
const sandboxButton = (frame, complete) => frame.locator(complete ? '#complete-authentication' : '#fail-authentication');
const providerButton = (frame, complete) => frame.locator('button', { hasText: complete ? 'Complete authentication' : 'Fail authentication' });

/**
 * What differs between providers, as data: a card that authorises, the challenge cards
 * (`how` they reach the challenge page, `at` its URL's start), and the challenge's buttons.
 */
const providers = [
  {
    name: 'sandbox', credentials: null, card: '4242424242424242', button: sandboxButton,
    challenges: [{ number: '4000000000003220', how: 'the gateway\'s page', at: () => gateway.url }],
  },
  {
    name: 'stripe', credentials: { secret_key: STRIPE_KEY }, card: '4242424242424242', button: providerButton,
    challenges: [{ number: '4000000000003220', how: 'redirect_to_url', at: () => `${stripe.url}/3ds/` }],
  },
  {
    name: 'adyen', credentials: ADYEN, card: '4111111111111111', button: providerButton,
    challenges: [
      { number: '4212345678901237', how: 'GET redirect', at: () => `${adyen.url}/checkoutshopper/threeDS/redirect` },
      { number: '4000000000003220', how: 'POST redirect', at: () => `${adyen.url}/checkoutshopper/threeDS/redirect` },
    ],
  },
];
const DECLINED = { status: 'failed', finished: true, code: 'P0010', message: 'Payment method rejected' };

before(async () => {
  stripe = await startFakeStripe({ secretKey: STRIPE_KEY });
  const adyenAccount = () => providers.find((p) => p.name === 'adyen').account;
  adyen = await startFakeAdyen({
    apiKey: ADYEN.api_key, merchantAccount: ADYEN.merchant_account, hmacKey: ADYEN.hmac_key,
    autoNotify: () => `${gateway.url}/providers/adyen/${adyenAccount().id}/notifications`,
    // Everything Adyen notifies, authorisations too: they reach the gateway while it is still
    // handling the answer they follow.
    autoNotifyEvents: ['AUTHORISATION', 'CAPTURE', 'CANCELLATION', 'REFUND'],
  });
  gateway = await startGateway({ name: 'gateway-browser-journeys', vars: { STRIPE_API_BASE: stripe.url, ADYEN_API_BASE: adyen.url } });
  for (const p of providers) {
    const created = await call('/admin/v1/accounts', { method: 'POST', token: ADMIN_TOKEN });
    assert.equal(created.status, 201, created.text);
    p.account = { id: created.json.account_id, key: created.json.api_key };
    p.shop = await startMerchant({ gateway: gateway.url, apiKey: p.account.key });
    const settings = { allowed_origins: [p.shop.origin], rate_limits: { post_per_second: 1000, other_per_second: 1000 } };
    if (p.credentials) Object.assign(settings, { payment_provider: p.name, provider_credentials: p.credentials });
    const patch = await call(`/admin/v1/accounts/${p.account.id}`, { method: 'PATCH', token: ADMIN_TOKEN, body: settings });
    assert.equal(patch.status, 200, patch.text);
    assert.equal(patch.json.payment_provider, p.name);
  }
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  for (const p of providers) await p.shop?.close();
  await gateway?.stop();
  await stripe?.close();
  await adyen?.close();
});

const payment = async (p, id) => (await call(`/v1/payments/${id}`, { token: p.account.key })).json;

/** Opens the shop's embedded checkout, types the card and asks pay(); its result lands in `window.payOutcome`. */
async function payEmbedded(p, number) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1400 } });
  const page = await context.newPage();
  await page.goto(`${p.shop.origin}/checkout/embedded`);
  const frame = page.frameLocator('#kassa-card iframe');
  await frame.locator('#card-details[data-state="ready"]').waitFor();
  await frame.locator('#card-no').fill(number);
  await frame.locator('#expiry-date').fill('12/30');
  await frame.locator('#cardholder-name').fill('Mx Test Payer');
  await frame.locator('#cvc').fill('737');
  const paymentId = await page.getAttribute('#pay', 'data-payment-id');
  await page.evaluate(() => { window.payOutcome = null; checkout.pay().then((o) => { window.payOutcome = o; }); });
  return { context, page, frame, paymentId };
}

for (const p of providers) {
  test(`${p.name}: embedded, a card that authorises resolves pay() with success`, async () => {
    const { context, page, paymentId } = await payEmbedded(p, p.card);
    await page.waitForFunction(() => window.payOutcome);
    assert.deepEqual(await page.evaluate(() => window.payOutcome), { type: 'success', status: 'success', code: null, paymentId });
    const paid = await payment(p, paymentId);
    assert.deepEqual(paid.state, SUCCESS);
    assert.equal(paid.payment_provider, p.name);
    assert.equal(paid.card_details.last_digits_card_number, p.card.slice(-4));
    await context.close();
  });

  for (const c of p.challenges) {
    test(`${p.name}: embedded, a 3-D Secure challenge (${c.how}) inside the iframe; pay() resolves once it is answered`, async () => {
      const { context, page, frame, paymentId } = await payEmbedded(p, c.number);
      await p.button(frame, true).waitFor();
      assert.equal(page.url(), `${p.shop.origin}/checkout/embedded`, 'the shop\'s page stays');
      assert.ok(page.frames().some((f) => f.url().startsWith(c.at())), `the challenge is the iframe's page: ${page.frames().map((f) => f.url())}`);
      assert.equal(await page.evaluate(() => window.payOutcome), null, 'pay() waits for the answer');
      assert.deepEqual((await payment(p, paymentId)).state, { status: 'started', finished: false });
      await p.button(frame, true).click();
      await page.waitForFunction(() => window.payOutcome);
      assert.deepEqual(await page.evaluate(() => window.payOutcome), { type: 'success', status: 'success', code: null, paymentId });
      const paid = await payment(p, paymentId);
      assert.deepEqual(paid.state, SUCCESS);
      assert.equal(paid.authorisation_summary?.three_d_secure?.required, true);
      await context.close();
    });
  }

  test(`${p.name}: embedded, a failed 3-D Secure challenge resolves pay() with failure P0010`, async () => {
    const { context, page, frame, paymentId } = await payEmbedded(p, p.challenges[0].number);
    await p.button(frame, false).click();
    await page.waitForFunction(() => window.payOutcome);
    assert.deepEqual(await page.evaluate(() => window.payOutcome), { type: 'failure', status: 'failed', code: 'P0010', paymentId });
    assert.deepEqual((await payment(p, paymentId)).state, DECLINED);
    await context.close();
  });
}
