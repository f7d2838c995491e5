// The published document and its reference page, as the gateway serves them (static assets
// built by `make build-docs`): the JSON is api/openapi.json byte for byte, and the page is
// self-contained, CSP-clean and accessible in real headless Chromium. So is the payment
// lifecycle page beside it, whose diagram must load under the page's CSP.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../support/gateway.mjs';
import { launchBrowser, seriousA11yViolations } from '../support/browser.mjs';

const BASE = process.env.KASSA_URL;
const skip = BASE ? false : 'needs a running gateway (KASSA_URL); node tests/run.mjs conformance starts one';
let browser;
before(async () => { if (BASE) browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

test('GET /v1/openapi.json serves api/openapi.json', { skip }, async () => {
  const res = await fetch(`${BASE}/v1/openapi.json`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /application\/json/);
  assert.equal(await res.text(), readFileSync(join(ROOT, 'api/openapi.json'), 'utf8'));
});

test('GET /docs/api/ serves the reference page, with no inline style or script', { skip }, async () => {
  const res = await fetch(`${BASE}/docs/api/`);
  assert.equal(res.status, 200);
  const html = await res.text();
  assert.doesNotMatch(html, /<script|<style|\sstyle=|\son[a-z]+=/i);
  const spec = JSON.parse(readFileSync(join(ROOT, 'api/openapi.json'), 'utf8'));
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const method of Object.keys(item).filter((m) => m !== 'parameters')) {
      assert.ok(html.includes(`${method.toUpperCase()}</span> <code class="path">${path}</code>`), `${method} ${path}`);
    }
  }
});

test('the reference page has no serious or critical accessibility violations', { skip }, async () => {
  const page = await browser.newPage();
  const problems = [];
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(msg.text()); });
  await page.goto(`${BASE}/docs/api/`);
  assert.deepEqual(await seriousA11yViolations(page), []);
  assert.deepEqual(problems, []);
  await page.close();
});

test('the lifecycle page shows its diagram under the CSP, with no serious or critical accessibility violations', { skip }, async () => {
  const page = await browser.newPage();
  const problems = [];
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(msg.text()); });
  await page.goto(`${BASE}/docs/lifecycle/`);
  const img = await page.waitForSelector('img[src="/docs/lifecycle.svg"]');
  await page.waitForFunction((el) => el.complete, img);
  const { natural, alt } = await img.evaluate((el) => ({ natural: el.naturalWidth, alt: el.alt }));
  assert.ok(natural > 0, 'the diagram loaded');
  assert.match(alt, /State diagram of the payment lifecycle/);
  assert.deepEqual(await seriousA11yViolations(page), []);
  // Back to the reference, which links here.
  await page.click('a[href="/docs/api/"]');
  await page.waitForSelector('a[href="/docs/lifecycle/"]');
  assert.deepEqual(problems, []);
  await page.close();
});
