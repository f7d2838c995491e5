// Transfer sizes of what the gateway ships, raw and gzip, against their budgets.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { ROOT } from '../support/gateway.mjs';

const size = (...files) => {
  const bufs = files.map((f) => readFileSync(join(ROOT, f)));
  return {
    raw: bufs.reduce((n, b) => n + b.length, 0),
    gzip: bufs.reduce((n, b) => n + gzipSync(b, { level: 9 }).length, 0),
  };
};

export function sizes() {
  return [
    { name: 'worker .wasm', ...size('edge-worker/build/index_bg.wasm'), budgetGzip: 1024 * 1024 },
    { name: 'worker JS shim', ...size('edge-worker/build/index.js') },
    {
      name: 'widget .wasm + JS',
      ...size('dist/public/assets/checkout/kassa_checkout_bg.wasm', 'dist/public/assets/checkout/kassa_checkout.js'),
      budgetGzip: 45 * 1024,
    },
  ];
}
