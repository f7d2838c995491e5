// 3-D Secure in real headless Chromium, on the sandbox's test cards: the hosted pages with
// JavaScript on and off (challenge completed or failed, challenge then declined,
// frictionless; back and refresh change nothing), the embedded iframe (the challenge shows
// inside it and pay() resolves only once it is answered), a sealed card from tokenize()
// whose payment answers `started` with next_url (the demo shop sends the payer there), and
// the challenge page's accessibility in English and Welsh. Outcomes are checked through the
// API, as a merchant would.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, seriousA11yViolations } from '../support/browser.mjs';
import { admin, api } from '../support/api.mjs';
import { startMerchant } from '../../scripts/demo-merchant.mjs';

const BASE = process.env.KASSA_URL;
const CHALLENGE = '4000000000003220';
const CHALLENGE_THEN_DECLINE = '4000008400001629';
const FRICTIONLESS = '4000000000003055';
const THREE_D_SECURE = { three_d_secure: { required: true, version: '2.2.0' } };
const DECLINED = { status: 'failed', finished: true, code: 'P0010', message: 'Payment method rejected' };

let browser; let shop; let key;
before(async () => {
  browser = await launchBrowser();
  const created = await admin('/accounts', { method: 'POST' });
  assert.equal(created.status, 201, created.text);
  key = created.json.api_key;
  // The demo shop is the merchant of every flow here: return_url, the embedded page (its
  // origin registered for framing) and tokenize with the publishable key.
  shop = await startMerchant({ gateway: BASE, apiKey: key, publishableKey: created.json.publishable_keys.test });
  const patch = await admin(`/accounts/${created.json.account_id}`, {
    method: 'PATCH',
    body: { allowed_origins: [shop.origin], rate_limits: { post_per_second: 1000, other_per_second: 1000 } },
  });
  assert.equal(patch.status, 200, patch.text);
});
after(async () => { await browser?.close(); await shop?.close(); });

const payment = async (id) => (await api(key, `/payments/${id}`)).json;
const events = async (id) => (await api(key, `/payments/${id}/events`)).json.events.map((e) => e.state.status);
/** Authorisations: the `submitted` event an accepted card (or a completed challenge) emits, once. */
const authorisations = async (id) => (await events(id)).filter((s) => s === 'submitted').length;

async function createPayment(overrides = {}) {
  const res = await api(key, '/payments', {
    method: 'POST',
    body: { amount: 1450, reference: 'BROWSER-3DS', description: 'Kassa mug', return_url: `${shop.origin}/return`, ...overrides },
  });
  assert.equal(res.status, 201, res.text);
  return res.json;
}

// Tall enough that the shop's Pay button stays on screen below the iframe.
const newContext = (javaScript = true) => browser.newContext({ javaScriptEnabled: javaScript, viewport: { width: 1280, height: 1400 } });

/** Opens next_url, types the card and submits it: the page is then whatever follows the card. */
async function payOnHostedPage(p, number, { javaScript }) {
  const context = await newContext(javaScript);
  const page = await context.newPage();
  const posts = [];
  page.on('request', (r) => { if (r.method() === 'POST') posts.push(new URL(r.url()).pathname); });
  await page.goto(p._links.next_url.href);
  if (javaScript) await page.waitForSelector('#card-details[data-state="ready"]');
  await fillCard(page, number);
  await page.locator('#submit-card-details').click();
  await page.waitForSelector('#complete-authentication, #confirm, #outcome');
  return { context, page, posts };
}

async function fillCard(target, number) {
  await target.locator('#card-no').fill(number);
  await target.locator('#expiry-date').fill('12/30');
  await target.locator('#cardholder-name').fill('Mx Test Payer');
  await target.locator('#cvc').fill('739');
}

/** The sandbox challenge is what the page shows. */
async function assertChallenge(page, label) {
  assert.equal(await page.locator('h1').textContent(), 'Check it is you', label);
  assert.equal(await page.locator('#complete-authentication').count(), 1, label);
  assert.equal(await page.locator('#fail-authentication').count(), 1, label);
}

for (const javaScript of [true, false]) {
  const js = javaScript ? 'JavaScript on' : 'JavaScript off';

  test(`hosted, ${js}: 3220 completed reaches return_url as success; back, refresh, double clicks and a stale tab change nothing`, async () => {
    const p = await createPayment();
    const { context, page, posts } = await payOnHostedPage(p, CHALLENGE, { javaScript });
    await assertChallenge(page, 'after the card');
    assert.equal(posts.filter((path) => path.endsWith('/card')).length, 1);
    const waiting = await payment(p.payment_id);
    assert.deepEqual(waiting.state, { status: 'started', finished: false });
    assert.deepEqual(waiting.authorisation_summary, THREE_D_SECURE);

    // Refresh and back on the challenge: the payment's page shows the challenge again and
    // no card is taken twice.
    await page.reload();
    await assertChallenge(page, 'refreshed');
    await page.goBack();
    await assertChallenge(page, 'back from the challenge');
    await page.goForward();
    await assertChallenge(page, 'forward again');
    assert.deepEqual(await events(p.payment_id), ['created', 'started']);

    // A second tab of the same session still showing the challenge once it is answered.
    const stale = await context.newPage();
    await stale.goto(page.url());
    await assertChallenge(stale, 'second tab');

    // A double click on the answer: one authorisation.
    await page.locator('#complete-authentication').dblclick();
    await page.waitForSelector('#confirm');
    assert.match(await page.locator('#confirm-card').textContent(), /3220$/);
    assert.deepEqual((await payment(p.payment_id)).state, { status: 'submitted', finished: false });
    // The stale tab's other answer changes nothing: it is shown the confirm page.
    await stale.locator('#fail-authentication').click();
    await stale.waitForSelector('#confirm');
    await stale.close();
    assert.deepEqual((await payment(p.payment_id)).state, { status: 'submitted', finished: false });

    // Refresh and back on the confirm page: still the confirm page, never the challenge.
    await page.reload();
    await page.waitForSelector('#confirm');
    await page.goBack();
    await page.waitForSelector('#confirm');
    assert.equal(await page.locator('#complete-authentication').count(), 0);
    await page.goForward();
    await page.waitForSelector('#confirm');
    assert.equal(await authorisations(p.payment_id), 1);

    await page.locator('#confirm').dblclick();
    await page.waitForURL(`${shop.origin}/return`);
    await page.goBack();
    await page.waitForURL(`${shop.origin}/return`); // a paid payment's page is return_url
    await page.goto(p._links.next_url.href); // the used link again
    await page.waitForURL(`${shop.origin}/return`);
    const paid = await payment(p.payment_id);
    assert.deepEqual(paid.state, { status: 'success', finished: true });
    assert.deepEqual(paid.authorisation_summary, THREE_D_SECURE);
    assert.equal(paid.card_details.last_digits_card_number, '3220');
    assert.deepEqual(await events(p.payment_id), ['created', 'started', 'submitted', 'success']);
    await context.close();
  });

  test(`hosted, ${js}: 3220 failed and 1629 completed are declined (P0010); refresh changes nothing`, async () => {
    for (const [number, button] of [[CHALLENGE, '#fail-authentication'], [CHALLENGE_THEN_DECLINE, '#complete-authentication']]) {
      const label = `${number} ${button}`;
      const p = await createPayment();
      const { context, page } = await payOnHostedPage(p, number, { javaScript });
      await assertChallenge(page, label);
      await page.locator(button).click();
      await page.waitForSelector('#outcome');
      assert.equal(await page.locator('#outcome').textContent(), 'Your payment has been declined', label);
      assert.equal(await page.locator('#return-to-service').getAttribute('href'), `${shop.origin}/return`, label);
      await page.reload();
      assert.equal(await page.locator('#outcome').textContent(), 'Your payment has been declined', label);
      await page.goBack();
      await page.waitForSelector('#outcome');
      const declined = await payment(p.payment_id);
      assert.deepEqual(declined.state, DECLINED, label);
      assert.deepEqual(declined.authorisation_summary, THREE_D_SECURE, label);
      // A decline is a state change of its own (no `submitted` first), and there is one.
      assert.deepEqual(await events(p.payment_id), ['created', 'started', 'failed'], label);
      await context.close();
    }
  });

  test(`hosted, ${js}: 3055 is frictionless: the confirm page without a challenge, then success`, async () => {
    const p = await createPayment();
    const { context, page, posts } = await payOnHostedPage(p, FRICTIONLESS, { javaScript });
    assert.equal(await page.locator('#confirm').count(), 1, 'straight to the confirm page');
    assert.equal(await page.locator('#complete-authentication').count(), 0);
    assert.deepEqual(posts, [posts.find((path) => path.endsWith('/card'))], 'the card and nothing else was posted');
    const submitted = await payment(p.payment_id);
    assert.deepEqual(submitted.state, { status: 'submitted', finished: false });
    assert.deepEqual(submitted.authorisation_summary, THREE_D_SECURE);
    await page.reload();
    await page.locator('#confirm').click();
    await page.waitForURL(`${shop.origin}/return`);
    assert.deepEqual((await payment(p.payment_id)).state, { status: 'success', finished: true });
    assert.deepEqual(await events(p.payment_id), ['created', 'started', 'submitted', 'success']);
    await context.close();
  });
}

/**
 * Opens the shop's embedded checkout, types the card and asks pay() (the page's own
 * `checkout`); its result lands in `window.payOutcome`.
 */
async function payEmbedded(number) {
  const context = await newContext();
  const page = await context.newPage();
  await page.goto(`${shop.origin}/checkout/embedded`);
  const frame = page.frameLocator('#kassa-card iframe');
  await frame.locator('#card-details[data-state="ready"]').waitFor();
  await fillCard(frame, number);
  const paymentId = await page.getAttribute('#pay', 'data-payment-id');
  const navigations = [];
  page.on('framenavigated', (f) => navigations.push(f.url()));
  await page.evaluate(() => { window.payOutcome = null; checkout.pay().then((o) => { window.payOutcome = o; }); });
  return { context, page, frame, paymentId, navigations };
}

const outcomes = (page) => page.evaluate(() => window.kassaEvents.filter((e) => e.type === 'success' || e.type === 'failure'));

test('embedded: 3220 is challenged inside the iframe, pay() waits for the answer and resolves success', async () => {
  const { context, page, frame, paymentId } = await payEmbedded(CHALLENGE);
  await frame.locator('#complete-authentication').waitFor();
  assert.equal(await frame.locator('h1').textContent(), 'Check it is you');
  assert.equal(page.url(), `${shop.origin}/checkout/embedded`, 'the shop\'s page stays');
  // While the challenge is shown, pay() has not resolved and the page heard no outcome.
  assert.equal(await page.evaluate(() => window.payOutcome), null);
  assert.deepEqual(await outcomes(page), []);
  assert.deepEqual((await payment(paymentId)).state, { status: 'started', finished: false });
  const challengeFrame = page.frames().find((f) => f.url().includes('/challenge'));
  assert.ok(challengeFrame, 'the challenge is the iframe\'s page');
  assert.deepEqual(await seriousA11yViolations(challengeFrame), [], 'challenge in the iframe');

  await frame.locator('#complete-authentication').click();
  await page.waitForFunction(() => window.payOutcome);
  const outcome = await page.evaluate(() => window.payOutcome);
  assert.deepEqual(outcome, { type: 'success', status: 'success', code: null, paymentId });
  assert.equal(await frame.locator('#outcome').textContent(), 'Your bank\u2019s check is finished');
  assert.deepEqual((await outcomes(page)).map((e) => e.type), ['success']);
  const paid = await payment(paymentId);
  assert.deepEqual(paid.state, { status: 'success', finished: true });
  assert.deepEqual(paid.authorisation_summary, THREE_D_SECURE);
  assert.deepEqual(await events(paymentId), ['created', 'started', 'submitted', 'success']);
  const finishedFrame = page.frames().find((f) => f.url().endsWith('/3ds'));
  assert.deepEqual(await seriousA11yViolations(finishedFrame), [], 'finished page in the iframe');
  await context.close();
});

test('embedded: 3220 failed and 1629 completed resolve pay() with failure P0010', async () => {
  for (const [number, button] of [[CHALLENGE, '#fail-authentication'], [CHALLENGE_THEN_DECLINE, '#complete-authentication']]) {
    const label = `${number} ${button}`;
    const { context, page, frame, paymentId } = await payEmbedded(number);
    await frame.locator(button).waitFor();
    assert.equal(await page.evaluate(() => window.payOutcome), null, label);
    await frame.locator(button).click();
    await page.waitForFunction(() => window.payOutcome);
    assert.deepEqual(await page.evaluate(() => window.payOutcome), { type: 'failure', status: 'failed', code: 'P0010', paymentId }, label);
    assert.deepEqual((await payment(paymentId)).state, DECLINED, label);
    await context.close();
  }
});

test('embedded: 3055 resolves pay() with success and shows no challenge', async () => {
  const { context, page, frame, paymentId, navigations } = await payEmbedded(FRICTIONLESS);
  await page.waitForFunction(() => window.payOutcome);
  assert.deepEqual(await page.evaluate(() => window.payOutcome), { type: 'success', status: 'success', code: null, paymentId });
  assert.deepEqual(navigations, [], 'the iframe never left the card form');
  assert.equal(await frame.locator('#card-details').count(), 1);
  const paid = await payment(paymentId);
  assert.deepEqual(paid.state, { status: 'success', finished: true });
  assert.deepEqual(paid.authorisation_summary, THREE_D_SECURE);
  await context.close();
});

/** The shop's tokenize page: the card is typed, tokenize() seals it, the shop's server pays with it. */
async function payTokenized(number) {
  const context = await newContext();
  const page = await context.newPage();
  await page.goto(`${shop.origin}/checkout/tokenize`);
  const frame = page.frameLocator('#kassa-card iframe');
  await frame.locator('#card-details[data-state="ready"]').waitFor();
  await fillCard(frame, number);
  await page.locator('#pay').click();
  return { context, page };
}

test('tokenize: a 3220 payment answers started with next_url, the shop sends the payer there, completed is captured at return_url', async () => {
  const { context, page } = await payTokenized(CHALLENGE);
  await page.waitForURL((url) => url.origin === new URL(BASE).origin);
  await page.waitForSelector('#complete-authentication');
  await assertChallenge(page, 'next_url');
  const id = page.url().split('/').at(-1);
  const waiting = await payment(id);
  assert.deepEqual(waiting.state, { status: 'started', finished: false });
  assert.equal(waiting.card_details.last_digits_card_number, '3220');
  await page.reload();
  await assertChallenge(page, 'refreshed');
  await page.locator('#complete-authentication').click();
  await page.waitForURL((url) => url.origin === shop.origin && url.pathname === '/return');
  assert.equal(await page.getAttribute('#order-status', 'data-status'), 'success');
  const paid = await payment(id);
  assert.deepEqual(paid.state, { status: 'success', finished: true });
  assert.deepEqual(paid.authorisation_summary, THREE_D_SECURE);
  await context.close();
});

test('tokenize: a failed challenge ends on the declined page (P0010); 3055 is paid without leaving the shop', async () => {
  const failed = await payTokenized(CHALLENGE);
  await failed.page.waitForSelector('#fail-authentication');
  const id = failed.page.url().split('/').at(-1);
  await failed.page.locator('#fail-authentication').click();
  await failed.page.waitForSelector('#outcome');
  assert.equal(await failed.page.locator('#outcome').textContent(), 'Your payment has been declined');
  assert.deepEqual((await payment(id)).state, DECLINED);
  await failed.context.close();

  const frictionless = await payTokenized(FRICTIONLESS);
  await frictionless.page.waitForSelector('body[data-result]');
  assert.equal(await frictionless.page.getAttribute('body', 'data-result'), 'success');
  assert.equal(new URL(frictionless.page.url()).origin, shop.origin);
  const paid = await payment(await frictionless.page.getAttribute('#pay', 'data-payment-id'));
  assert.deepEqual(paid.state, { status: 'success', finished: true });
  assert.deepEqual(paid.authorisation_summary, THREE_D_SECURE);
  await frictionless.context.close();
});

test('the sandbox challenge page has no serious or critical accessibility violations, in English and Welsh', async () => {
  // The provider's "Continue to your bank" page needs a redirect provider (Stripe), which
  // these tests do not reach; it is not checked here.
  for (const [language, title, complete, fail] of [
    ['en', 'Check it is you', 'Complete authentication', 'Fail authentication'],
    ['cy', 'Gwirio mai chi sydd yno', 'Cwblhau\u2019r dilysu', 'Methu\u2019r dilysu'],
  ]) {
    const p = await createPayment({ language });
    const { context, page } = await payOnHostedPage(p, CHALLENGE, { javaScript: true });
    assert.equal(await page.getAttribute('html', 'lang'), language);
    assert.equal(await page.locator('h1').textContent(), title);
    assert.equal(await page.locator('#complete-authentication').textContent(), complete);
    assert.equal(await page.locator('#fail-authentication').textContent(), fail);
    assert.deepEqual(await seriousA11yViolations(page), [], `challenge page (${language})`);
    await context.close();
  }
});
