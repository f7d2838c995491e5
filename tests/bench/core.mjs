// kassa-core per-operation timings: native (cargo, release) and wasm in Node, next to Node's
// built-in crypto HMAC for the same bodies, all measured in this run.
import { execFileSync } from 'node:child_process';
import { createHmac, createPrivateKey, sign as edSign } from 'node:crypto';
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

// One webhook delivery's signatures with Node's built-in crypto, exactly what kassa-core's
// `sign_message_*` computes: Pay-Signature (hex HMAC of the body), Standard Webhooks v1
// (base64 HMAC of `id.timestamp.body` with the decoded whsec bytes) and v1a (ed25519).
function nodeSignMessage(size) {
  const body = Buffer.alloc(size, 'x');
  const whsec = Buffer.alloc(32, 3);
  const ed = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.alloc(32, 5)]), format: 'der', type: 'pkcs8' });
  return timePerOp((n) => {
    for (let i = 0; i < n; i++) {
      createHmac('sha256', 'webhook-signing-secret-for-benchmarks').update(body).digest('hex');
      const content = Buffer.concat([Buffer.from(`msg_bench.${1795305600}.`), body]);
      createHmac('sha256', whsec).update(content).digest('base64');
      edSign(null, content, ed).toString('base64');
    }
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
  return {
    rows,
    nodeHmac1k: nodeHmac(1024),
    nodeHmac16k: nodeHmac(16 * 1024),
    nodeMessage1k: nodeSignMessage(1024),
    nodeMessage16k: nodeSignMessage(16 * 1024),
  };
}

export function printCoreBench({ rows, nodeHmac1k, nodeHmac16k, nodeMessage1k, nodeMessage16k }) {
  const us = (ns) => (ns === undefined ? '-' : `${(ns / 1000).toFixed(2)} µs`);
  console.log('\nkassa-core per operation (best of 5 batches)');
  console.log('  operation                    native       wasm (Node)  wasm/native  budget (native)');
  for (const r of rows) {
    const ratio = r.native ? `${(r.wasm / r.native).toFixed(1)}x` : '-';
    const budget = r.budget ? `${us(r.budget)} ${r.native <= r.budget ? 'ok' : 'OVER'}`
      : r.op.startsWith('sign_message') ? '(throughput below)' : '(browser)';
    console.log(`  ${r.op.padEnd(28)} ${us(r.native).padEnd(12)} ${us(r.wasm).padEnd(12)} ${ratio.padEnd(12)} ${budget}`);
  }
  const wasm1k = rows.find((r) => r.op === 'pay_signature_1k').wasm;
  const wasm16k = rows.find((r) => r.op === 'pay_signature_16k').wasm;
  console.log('\nHMAC-SHA256 hex (Pay-Signature): kassa-core wasm vs Node built-in crypto, same bodies');
  console.log(`  1 KB:  wasm ${us(wasm1k)}  node:crypto ${us(nodeHmac1k)}  (${(wasm1k / nodeHmac1k).toFixed(2)}x)`);
  console.log(`  16 KB: wasm ${us(wasm16k)}  node:crypto ${us(nodeHmac16k)}  (${(wasm16k / nodeHmac16k).toFixed(2)}x)`);

  // Messages per second on one core, for everything one delivery is signed with.
  const perSec = (ns) => `${Math.round(1e9 / ns).toLocaleString('en-GB')}/s`.padEnd(14);
  console.log('\nWebhook signing throughput, messages/s on one core (Pay-Signature + v1 HMAC + v1a ed25519)');
  console.log('  body   kassa-core native  kassa-core wasm (Node)  node:crypto    node:crypto / wasm');
  for (const [label, op, node] of [['1 KB', 'sign_message_1k', nodeMessage1k], ['16 KB', 'sign_message_16k', nodeMessage16k]]) {
    const r = rows.find((x) => x.op === op);
    console.log(`  ${label.padEnd(6)} ${perSec(r.native).padEnd(18)} ${perSec(r.wasm).padEnd(23)} ${perSec(node)} ${(r.wasm / node).toFixed(2)}x`);
  }
}
