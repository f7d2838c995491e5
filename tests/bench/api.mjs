// API throughput and latency against a real `wrangler dev` (workerd + local SQLite), at a
// fixed concurrency, next to a baseline measured in the same run: an admin settings read,
// which only authenticates, round-trips to the account's Durable Object and reads one row.
// The ratio says how much of the round trip's capacity the payment operations keep.
import { startGateway, devVars } from '../support/gateway.mjs';

const CONCURRENCY = 16;
const WARMUP = 200;
const REQUESTS = 2000;
const ROUNDS = 4;

/** Runs `requests` calls of `op(i)` with `CONCURRENCY` in flight. */
async function load(op, requests, offset = 0) {
  const latencies = [];
  let next = 0;
  let failures = 0;
  const started = performance.now();
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= requests) return;
      const t = performance.now();
      const ok = await op(offset + i).catch(() => false);
      latencies.push(performance.now() - t);
      if (!ok) failures += 1;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { seconds: (performance.now() - started) / 1000, latencies, failures };
}

/** The operations take turns in rounds, so a busy moment on the machine hits them all. */
async function compare(ops) {
  const totals = ops.map(() => ({ seconds: 0, latencies: [], failures: 0 }));
  const perRound = REQUESTS / ROUNDS;
  for (let round = 0; round < ROUNDS; round++) {
    for (const [k, [, op]] of ops.entries()) {
      const r = await load(op, perRound, round * perRound);
      totals[k].seconds += r.seconds;
      totals[k].latencies.push(...r.latencies);
      totals[k].failures += r.failures;
    }
  }
  return ops.map(([name], k) => {
    const { seconds, latencies, failures } = totals[k];
    latencies.sort((a, b) => a - b);
    const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
    return [name, { rps: latencies.length / seconds, p50: pct(50), p99: pct(99), failures }];
  });
}

export async function apiBench() {
  const gateway = await startGateway({ name: 'bench-api', logLevel: 'warn' });
  try {
    const adminToken = devVars().ADMIN_TOKEN;
    const call = async (path, { method = 'GET', token, body } = {}) => {
      const res = await fetch(`${gateway.url}${path}`, {
        method,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, json: text ? JSON.parse(text) : null };
    };
    const created = await call('/admin/v1/accounts', { method: 'POST', token: adminToken });
    const { account_id: account, api_key: key } = created.json;
    // The default limits (15 POST/s, 75 others/s) would measure the limiter, not the gateway.
    await call(`/admin/v1/accounts/${account}`, {
      method: 'PATCH', token: adminToken,
      body: { rate_limits: { post_per_second: 10000, other_per_second: 10000 } },
    });

    const baseline = (i) => call(`/admin/v1/accounts/${account}`, { token: adminToken }).then((r) => r.status === 200 && i >= 0);
    const ids = [];
    const create = (i) => call('/v1/payments', {
      method: 'POST', token: key,
      body: { amount: 1000 + (i % 500), reference: `BENCH-${i}`, description: 'Benchmark', return_url: 'https://shop.example/return' },
    }).then((r) => { if (r.status === 201) ids.push(r.json.payment_id); return r.status === 201; });
    const get = (i) => call(`/v1/payments/${ids[i % ids.length]}`, { token: key }).then((r) => r.status === 200);

    // Warm up, and make payments for the reads to fetch.
    await load(baseline, WARMUP);
    await load(create, WARMUP, REQUESTS);
    const results = await compare([
      ['DO round trip (baseline)', baseline],
      ['create payment', create],
      ['get payment', get],
    ]);
    return results;
  } finally {
    await gateway.stop();
  }
}

export function printApiBench(results) {
  const base = results[0][1].rps;
  console.log(`\nAPI against wrangler dev (${REQUESTS} requests, concurrency ${CONCURRENCY}; budget: payment operations >= 50% of the baseline's throughput)`);
  console.log('  operation                    req/s      p50        p99        vs baseline   failures');
  for (const [name, r] of results) {
    const ratio = r.rps / base;
    const verdict = name.includes('baseline') ? '' : ratio >= 0.5 ? ' ok' : ' UNDER';
    console.log(`  ${name.padEnd(28)} ${r.rps.toFixed(0).padEnd(10)} ${`${r.p50.toFixed(1)} ms`.padEnd(10)} ${`${r.p99.toFixed(1)} ms`.padEnd(10)} ${`${(ratio * 100).toFixed(0)}%${verdict}`.padEnd(13)} ${r.failures}`);
  }
}
