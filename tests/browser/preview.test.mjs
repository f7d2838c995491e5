// The hosted card form in real headless Chromium: the widget's wasm loads under the page's
// strict CSP and renders an accessible form.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, seriousA11yViolations } from '../support/browser.mjs';

const BASE = process.env.KASSA_URL;
let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

test('the widget mounts the card form without CSP violations', async () => {
  const page = await browser.newPage();
  const problems = [];
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(msg.text()); });
  page.on('pageerror', (err) => problems.push(String(err)));
  await page.goto(`${BASE}/checkout/preview`);
  await page.waitForSelector('#card-details[data-state="ready"]', { timeout: 10_000 });
  for (const [id, ac] of [['card-no', 'cc-number'], ['expiry-date', 'cc-exp'], ['cvc', 'cc-csc'], ['cardholder-name', 'cc-name']]) {
    const input = page.locator(`#${id}`);
    assert.equal(await input.getAttribute('autocomplete'), ac, id);
    const label = page.locator(`label[for="${id}"]`);
    assert.ok((await label.textContent()).trim().length > 0, `${id} has a visible label`);
  }
  assert.deepEqual(problems, []);
  await page.close();
});

test('typing a card number formats it and names the brand, using kassa-core in wasm', async () => {
  const page = await browser.newPage();
  await page.goto(`${BASE}/checkout/preview`);
  await page.waitForSelector('#card-details[data-state="ready"]');
  await page.locator('#card-no').pressSequentially('4242424242424242');
  assert.equal(await page.locator('#card-no').inputValue(), '4242 4242 4242 4242');
  assert.equal(await page.locator('#card-brand').textContent(), 'Visa');
  await page.locator('#card-no').fill('');
  await page.locator('#card-no').pressSequentially('378282246310005');
  assert.equal(await page.locator('#card-no').inputValue(), '3782 822463 10005');
  assert.equal(await page.locator('#card-brand').textContent(), 'American Express');
  await page.locator('#expiry-date').pressSequentially('1230');
  assert.equal(await page.locator('#expiry-date').inputValue(), '12 / 30');
  await page.close();
});

test('pages have no serious or critical accessibility violations', async () => {
  const page = await browser.newPage();
  for (const path of ['/', '/checkout/preview', '/shop/', '/shop/guide.html', '/no-such-page']) {
    await page.goto(`${BASE}${path}`);
    if (path === '/checkout/preview') await page.waitForSelector('#card-details[data-state="ready"]');
    assert.deepEqual(await seriousA11yViolations(page), [], path);
  }
  await page.close();
});
