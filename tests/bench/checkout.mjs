// The payer's side: what the hosted card page transfers, and how long it takes from clicking
// Continue on the card form (the widget validates and seals, the worker authorises) through
// Confirm to arriving at return_url, in headless Chromium against `wrangler dev`.
import { gzipSync } from 'node:zlib';
import { startGateway } from '../support/gateway.mjs';
import { launchBrowser } from '../support/browser.mjs';
import { startMerchant } from '../../scripts/demo-merchant.mjs';

const RUNS = 20;
export const HOSTED_PAGE_BUDGET_GZIP = 80 * 1024;

export async function checkoutBench() {
  const gateway = await startGateway({ name: 'bench-gateway' });
  process.env.KASSA_URL = gateway.url;
  const { api, newAccount } = await import('../support/api.mjs');
  const browser = await launchBrowser();
  let merchant;
  try {
    const { key } = await newAccount();
    merchant = await startMerchant({ gateway: gateway.url, apiKey: key });
    const create = async (i) => (await api(key, '/payments', {
      method: 'POST',
      body: { amount: 1450, reference: `BENCH-${i}`, description: 'Bench', return_url: `${merchant.origin}/return` },
    })).json;

    // Transfer of the card page with everything it loads, from a cold browser cache.
    const context = await browser.newContext();
    const page = await context.newPage();
    const responses = [];
    page.on('response', (r) => responses.push(r));
    await page.goto((await create('size'))._links.next_url.href);
    await page.waitForSelector('#card-details[data-state="ready"]');
    const transfer = [];
    for (const r of responses) {
      if (r.status() >= 300 && r.status() < 400) continue;
      const body = await r.body().catch(() => Buffer.alloc(0));
      transfer.push({ url: new URL(r.url()).pathname, raw: body.length, gzip: gzipSync(body, { level: 9 }).length });
    }
    await context.close();

    // Click Continue → … → return_url, RUNS times, each with a fresh payment and browser context.
    const times = [];
    for (let i = 0; i < RUNS; i++) {
      const ctx = await browser.newContext();
      const p = await ctx.newPage();
      await p.goto((await create(i))._links.next_url.href);
      await p.waitForSelector('#card-details[data-state="ready"]');
      await p.locator('#card-no').fill('4242424242424242');
      await p.locator('#expiry-date').fill('12/30');
      await p.locator('#cardholder-name').fill('Mx Bench Payer');
      await p.locator('#cvc').fill('123');
      const start = performance.now();
      await p.locator('#submit-card-details').click();
      await p.locator('#confirm').click();
      await p.waitForURL(`${merchant.origin}/return`);
      times.push(performance.now() - start);
      await ctx.close();
    }
    return { transfer, times };
  } finally {
    await browser.close();
    await merchant?.close();
    await gateway.stop();
  }
}

export function printCheckoutBench({ transfer, times }) {
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  console.log('\nHosted card page, everything it loads (gzip -9 of each body)');
  for (const t of transfer) console.log(`  ${t.url.padEnd(60)} ${kb(t.raw).padEnd(10)} ${kb(t.gzip)}`);
  const total = transfer.reduce((n, t) => n + t.gzip, 0);
  console.log(`  ${'total'.padEnd(60)} ${''.padEnd(10)} ${kb(total)}  budget ${kb(HOSTED_PAGE_BUDGET_GZIP)} ${total <= HOSTED_PAGE_BUDGET_GZIP ? 'ok' : 'OVER'}`);
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  console.log(`\nClick Continue → Confirm → return_url, ${times.length} runs against wrangler dev (Chromium)`);
  console.log(`  p50 ${at(0.5).toFixed(0)} ms   min ${sorted[0].toFixed(0)} ms   p90 ${at(0.9).toFixed(0)} ms   max ${sorted.at(-1).toFixed(0)} ms`);
}
