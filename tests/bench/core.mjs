// kassa-core per-operation timings: native (cargo, release) and wasm in Node, next to Node's
// built-in crypto HMAC for the same bodies, all measured in this run.
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { core } from '../support/core.mjs';
import { ROOT } from '../support/gateway.mjs';

/** Best-of-five nanoseconds per call of fn(iterations), calibrated to ~40 ms per batch. */
export function timePerOp(fn) {
  let n = 1;
  for (;;) {
    const t = process.hrtime.bigint();
    fn(n);
    if (Number(process.hrtime.bigint() - t) > 40e6 || n >= 1 << 24) break;
    n *= 2;
  }
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const t = process.hrtime.bigint();
    fn(n);
    best = Math.min(best, Number(process.hrtime.bigint() - t) / n);
  }
  return best;
}

function nodeHmac(size) {
  const body = Buffer.alloc(size, 'x');
  return timePerOp((n) => {
    for (let i = 0; i < n; i++) createHmac('sha256', 'webhook-signing-secret-for-benchmarks').update(body).digest('hex');
  });
}

// Operations the gateway performs per request or delivery, held to the 50 µs native budget.
// Sealing happens in
// the payer's browser, not in the gateway.
const REQUEST_PATH = new Set(['pay_signature_1k', 'pay_signature_16k', 'standard_webhooks_v1_1k', 'standard_webhooks_v1_16k', 'standard_webhooks_v1a_1k',
  'open_card_token', 'validate_create_payment', 'apply_transition']);

export function coreBench() {
  const native = new Map(execFileSync('cargo', ['run', '--quiet', '--release', '-p', 'kassa-core-js', '--example', 'bench_native'], { cwd: ROOT, encoding: 'utf8' })
    .trim().split('\n').map((l) => JSON.parse(l)).map((r) => [r.op, r.ns_per_op]));
  const rows = core.bench_operations().map((op) => ({
    op,
    native: native.get(op),
    wasm: timePerOp((n) => core.bench_run(op, n)),
    budget: REQUEST_PATH.has(op) ? 50_000 : null,
  }));
  return { rows, nodeHmac1k: nodeHmac(1024), nodeHmac16k: nodeHmac(16 * 1024) };
}

export function printCoreBench({ rows, nodeHmac1k, nodeHmac16k }) {
  const us = (ns) => (ns === undefined ? '-' : `${(ns / 1000).toFixed(2)} µs`);
  console.log('\nkassa-core per operation (best of 5 batches)');
  console.log('  operation                    native       wasm (Node)  wasm/native  budget (native)');
  for (const r of rows) {
    const ratio = r.native ? `${(r.wasm / r.native).toFixed(1)}x` : '-';
    const budget = r.budget ? `${us(r.budget)} ${r.native <= r.budget ? 'ok' : 'OVER'}` : '(browser)';
    console.log(`  ${r.op.padEnd(28)} ${us(r.native).padEnd(12)} ${us(r.wasm).padEnd(12)} ${ratio.padEnd(12)} ${budget}`);
  }
  const wasm1k = rows.find((r) => r.op === 'pay_signature_1k').wasm;
  const wasm16k = rows.find((r) => r.op === 'pay_signature_16k').wasm;
  console.log('\nHMAC-SHA256 hex (Pay-Signature): kassa-core wasm vs Node built-in crypto, same bodies');
  console.log(`  1 KB:  wasm ${us(wasm1k)}  node:crypto ${us(nodeHmac1k)}  (${(wasm1k / nodeHmac1k).toFixed(2)}x)`);
  console.log(`  16 KB: wasm ${us(wasm16k)}  node:crypto ${us(nodeHmac16k)}  (${(wasm16k / nodeHmac16k).toFixed(2)}x)`);
}
