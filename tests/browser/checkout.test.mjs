// The hosted payment pages in real headless Chromium: the widget seals the card in the
// browser, the journey reaches return_url, and back, refresh and double clicks never
// authorise twice. Outcomes are checked through the API, as a merchant would.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, seriousA11yViolations } from '../support/browser.mjs';
import { api, newAccount } from '../support/api.mjs';
import { startMerchant } from '../../scripts/demo-merchant.mjs';

const BASE = process.env.KASSA_URL;
let browser; let merchant; let key; let expiring;
before(async () => {
  browser = await launchBrowser();
  ({ key } = await newAccount());
  merchant = await startMerchant({ gateway: BASE, apiKey: key });
  // A payment on an account whose payments expire after a minute, created first so the
  // expired page can be checked at the end of this file.
  const short = await newAccount({ payment_expiry_minutes: 1 });
  expiring = (await api(short.key, '/payments', {
    method: 'POST', body: { amount: 100, reference: 'EXPIRES', description: 'Expires', return_url: 'https://shop.example/return' },
  })).json;
});
after(async () => { await browser?.close(); await merchant?.close(); });

async function createPayment(overrides = {}) {
  const res = await api(key, '/payments', {
    method: 'POST',
    body: { amount: 1450, reference: 'BROWSER-1', description: 'Kassa mug', return_url: `${merchant.origin}/return`, ...overrides },
  });
  assert.equal(res.status, 201, res.text);
  return res.json;
}

const state = async (id) => (await api(key, `/payments/${id}`)).json.state;
const events = async (id) => (await api(key, `/payments/${id}/events`)).json.events.map((e) => e.state.status);
/** Authorisation attempts: the `submitted` event the card's acceptance emits, once. */
const authorisations = async (id) => (await events(id)).filter((s) => s === 'submitted').length;

/** Opens next_url in a fresh page and waits for the widget to take the form over. */
async function openCardPage(payment, { javaScript = true } = {}) {
  const context = await browser.newContext({ javaScriptEnabled: javaScript });
  const page = await context.newPage();
  const posts = [];
  page.on('request', (r) => { if (r.method() === 'POST') posts.push({ url: r.url(), body: r.postData() ?? '' }); });
  await page.goto(payment._links.next_url.href);
  if (javaScript) await page.waitForSelector('#card-details[data-state="ready"]');
  return { context, page, posts };
}

async function fillCard(page, number, { cvc = '739', expiry = '12/30', name = 'Mx Test Payer' } = {}) {
  await page.locator('#card-no').fill(number);
  await page.locator('#expiry-date').fill(expiry);
  await page.locator('#cardholder-name').fill(name);
  await page.locator('#cvc').fill(cvc);
}

test('4242424242424242 is sealed in the browser, confirmed, and reaches return_url as success', async () => {
  const payment = await createPayment();
  const { context, page, posts } = await openCardPage(payment);
  await fillCard(page, '4242 4242 4242 4242');
  await page.locator('#submit-card-details').click();
  await page.waitForSelector('#confirm');
  assert.match(await page.locator('#confirm-card').textContent(), /4242$/);
  const cardPost = posts.find((p) => p.url.endsWith('/card'));
  assert.ok(cardPost, 'the card form was posted');
  const fields = new URLSearchParams(cardPost.body);
  assert.deepEqual([...fields.keys()].sort(), ['csrf', 'sealed_card']);
  assert.match(fields.get('sealed_card'), /^kst1\./);
  // Long patterns only: the random csrf and ciphertext may hold "4242" or "739" by chance
  // (the field list above already rules out any card field).
  assert.doesNotMatch(cardPost.body, /4242424242424242|4242(\+|%20| )4242|Test(\+|%20| )Payer/, 'no card data in the clear');
  await page.locator('#confirm').click();
  await page.waitForURL(`${merchant.origin}/return`);
  assert.deepEqual(await state(payment.payment_id), { status: 'success', finished: true });
  assert.deepEqual(await events(payment.payment_id), ['created', 'started', 'submitted', 'success']);
  await context.close();
});

test('a declined card and a provider error are shown clearly and end in the right state', async () => {
  for (const [number, title, expected] of [
    ['4000000000000002', 'Your payment has been declined', { status: 'failed', finished: true, code: 'P0010', message: 'Payment method rejected' }],
    ['4000000000000119', 'We could not take your payment', { status: 'error', finished: true, code: 'P0050', message: 'Payment provider returned an error' }],
  ]) {
    const payment = await createPayment();
    const { context, page } = await openCardPage(payment);
    await fillCard(page, number);
    await page.locator('#submit-card-details').click();
    await page.waitForSelector('#outcome');
    assert.equal(await page.locator('#outcome').textContent(), title);
    assert.equal(await page.locator('#return-to-service').getAttribute('href'), `${merchant.origin}/return`);
    assert.deepEqual(await state(payment.payment_id), expected, number);
    assert.deepEqual(await seriousA11yViolations(page), [], title);
    await context.close();
  }
});

test('the widget shows kassa-core\'s messages inline and in an error summary that takes focus', async () => {
  const payment = await createPayment();
  const { context, page, posts } = await openCardPage(payment);
  await fillCard(page, '4242 4242 4242 4241', { cvc: '12', expiry: '01/20', name: '' });
  await page.locator('#submit-card-details').click();
  await page.waitForSelector('#error-summary');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'error-summary');
  const links = await page.locator('#error-summary a').evaluateAll((as) => as.map((a) => [a.getAttribute('href'), a.textContent]));
  assert.deepEqual(links, [
    ['#card-no', 'Enter a valid card number'],
    ['#expiry-date', 'Enter an expiry date in the future'],
    ['#cvc', 'Enter a valid card security code'],
    ['#cardholder-name', 'Enter the name as it appears on the card'],
  ]);
  assert.match(await page.locator('#card-no-error').textContent(), /Enter a valid card number/);
  assert.equal(await page.locator('#card-no').getAttribute('aria-invalid'), 'true');
  assert.equal(posts.length, 0, 'nothing was sent');
  assert.deepEqual(await seriousA11yViolations(page), []);
  await context.close();
});

test('back after paying, refresh on the confirm page and double clicks authorise exactly once', async () => {
  const payment = await createPayment();
  const { context, page, posts } = await openCardPage(payment);
  await fillCard(page, '4242424242424242');
  await page.locator('#submit-card-details').dblclick();
  await page.waitForSelector('#confirm');
  assert.equal(posts.filter((p) => p.url.endsWith('/card')).length, 1, 'the widget sent the card once');
  await page.reload();
  await page.waitForSelector('#confirm');
  await page.locator('#confirm').dblclick();
  await page.waitForURL(`${merchant.origin}/return`);
  await page.goBack();
  await page.waitForURL(`${merchant.origin}/return`); // the payment's page for a paid payment is return_url
  await page.goto(payment._links.next_url.href); // reopening the used link
  await page.waitForURL(`${merchant.origin}/return`);
  assert.equal(await authorisations(payment.payment_id), 1);
  assert.deepEqual(await events(payment.payment_id), ['created', 'started', 'submitted', 'success']);
  await context.close();
});

test('without JavaScript the same form posts the card over to the worker and the payment succeeds', async () => {
  const payment = await createPayment();
  const { context, page, posts } = await openCardPage(payment, { javaScript: false });
  assert.equal(await page.locator('script').count(), 1, 'the widget script is on the page but not run');
  await fillCard(page, '4242424242424242');
  await page.locator('#submit-card-details').click();
  await page.waitForSelector('#confirm');
  const fields = new URLSearchParams(posts.find((p) => p.url.endsWith('/card')).body);
  assert.equal(fields.get('card-no'), '4242424242424242', 'posted as typed (over TLS in production)');
  assert.equal(fields.get('sealed_card'), null);
  await page.locator('#confirm').click();
  await page.waitForURL(`${merchant.origin}/return`);
  assert.deepEqual(await state(payment.payment_id), { status: 'success', finished: true });
  await context.close();
});

test('cancelling shows the cancelled page and the payment is cancelled', async () => {
  const payment = await createPayment();
  const { context, page } = await openCardPage(payment);
  await page.locator('#cancel-payment').click();
  await page.waitForSelector('#outcome');
  assert.equal(await page.locator('#outcome').textContent(), 'Your payment has been cancelled');
  assert.equal((await state(payment.payment_id)).status, 'failed');
  assert.deepEqual(await seriousA11yViolations(page), []);
  await context.close();
});

test('Welsh payments get Welsh pages and Welsh widget messages', async () => {
  const payment = await createPayment({ language: 'cy' });
  const { context, page } = await openCardPage(payment);
  assert.equal(await page.getAttribute('html', 'lang'), 'cy');
  assert.equal(await page.locator('h1').textContent(), 'Rhowch fanylion y cerdyn');
  assert.equal(await page.locator('label[for="card-no"]').textContent(), 'Rhif cerdyn');
  await page.locator('#submit-card-details').click();
  await page.waitForSelector('#error-summary');
  assert.equal(await page.locator('#error-summary h2').textContent(), 'Mae problem wedi codi');
  assert.equal(await page.locator('#error-summary a[href="#card-no"]').textContent(), 'Rhowch rif cerdyn dilys');
  assert.deepEqual(await seriousA11yViolations(page), []);
  await fillCard(page, '4242424242424242');
  await page.locator('#submit-card-details').click();
  await page.waitForSelector('#confirm');
  assert.equal(await page.locator('h1').textContent(), 'Cadarnhau eich taliad');
  assert.equal(await page.locator('#confirm').textContent(), 'Cadarnhau\u2019r taliad');
  await context.close();
  const declined = await createPayment({ language: 'cy' });
  const second = await openCardPage(declined);
  await fillCard(second.page, '4000000000000002');
  await second.page.locator('#submit-card-details').click();
  await second.page.waitForSelector('#outcome');
  assert.equal(await second.page.locator('#outcome').textContent(), 'Mae eich taliad wedi cael ei wrthod');
  await second.context.close();
});

test('every hosted page has no serious or critical accessibility violations', async () => {
  const payment = await createPayment();
  const { context, page } = await openCardPage(payment);
  assert.deepEqual(await seriousA11yViolations(page), [], 'card page');
  await fillCard(page, '4242424242424242');
  await page.locator('#submit-card-details').click();
  await page.waitForSelector('#confirm');
  assert.deepEqual(await seriousA11yViolations(page), [], 'confirm page');
  await page.goto(payment._links.next_url.href.replace(/\/secure\/.*/, '/secure/not-a-token'));
  assert.match(await page.locator('h1').textContent(), /not valid/);
  assert.deepEqual(await seriousA11yViolations(page), [], 'link not valid');
  await context.close();
});

test('an expired payment shows the expired page, without accessibility violations', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(expiring._links.next_url.href);
  // Waits for the minute to pass (a condition, not a timing assertion).
  while (!(await page.locator('#outcome').count())) {
    await new Promise((r) => setTimeout(r, 2000));
    await page.reload();
  }
  assert.equal(await page.locator('#outcome').textContent(), 'Your payment session has expired');
  assert.deepEqual(await seriousA11yViolations(page), []);
  await context.close();
});
