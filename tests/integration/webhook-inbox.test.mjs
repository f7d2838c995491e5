// The local webhook inbox `make dev` runs (scripts/webhook-inbox.mjs) holds a bounded amount
// however much is POSTed to it: bodies over 64 KB are refused, and the deliveries it keeps,
// in memory and in its log file, stay at its limit. Needs no gateway.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, freePort } from '../support/gateway.mjs';

const KEEP = 200;
const stateDir = mkdtempSync(join(tmpdir(), 'kassa-inbox-'));
const LOG = join(stateDir, 'webhook-inbox.jsonl');
const running = new Set();
after(() => {
  for (const child of running) child.kill('SIGKILL');
  rmSync(stateDir, { recursive: true, force: true });
});

/** Starts the inbox; its gateway is a closed port (no demo key, so nothing is verified). */
async function startInbox() {
  const port = await freePort();
  const child = spawn(process.execPath, [join(ROOT, 'scripts/webhook-inbox.mjs'), String(port), `http://127.0.0.1:${await freePort()}`, stateDir], {
    cwd: ROOT, stdio: 'ignore',
  });
  running.add(child);
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    try { if ((await fetch(`${url}/deliveries.json`)).ok) break; } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    deliveries: async () => (await fetch(`${url}/deliveries.json`)).json(),
    async stop() { running.delete(child); child.kill('SIGTERM'); await new Promise((r) => child.once('exit', r)); },
  };
}

/**
 * POSTs `body` (with a Content-Length, or `chunked` in 16 KB chunks without one); resolves to
 * the status, or to the error's code if the inbox hung up first.
 */
function post(url, body, { chunked = false } = {}) {
  const headers = { 'Content-Type': 'application/json', ...(chunked ? { 'Transfer-Encoding': 'chunked' } : {}) };
  return new Promise((resolve) => {
    const req = http.request(`${url}/hooks`, { method: 'POST', headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', (err) => resolve(err.code ?? 'error'));
    if (!chunked) { req.end(body); return; }
    for (let at = 0; at < body.length; at += 16 * 1024) req.write(body.slice(at, at + 16 * 1024));
    req.end();
  });
}

/** Waits until the inbox has recorded the delivery whose body is `body` (it records after answering). */
async function recorded(inbox, body) {
  for (;;) {
    const list = await inbox.deliveries();
    if (list.some((d) => d.body === body)) return list;
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('a body over 64 KB is refused and not recorded; the inbox keeps answering', async () => {
  const inbox = await startInbox();
  try {
    const big = JSON.stringify({ event_type: 'card_payment_captured', filler: 'x'.repeat(80 * 1024) });
    for (const chunked of [false, true]) {
      const answer = await post(inbox.url, big, { chunked });
      assert.ok(answer === 413 || typeof answer === 'string', `oversized body (chunked: ${chunked}) answered ${answer}`);
    }
    const small = JSON.stringify({ event_type: 'card_payment_captured', n: 'after-big' });
    assert.equal(await post(inbox.url, small), 204);
    const list = await recorded(inbox, small);
    assert.ok(list.every((d) => d.body.length <= 64 * 1024), 'no oversized body is kept');
    assert.ok(!readFileSync(LOG, 'utf8').includes('x'.repeat(1024)), 'nor written to the log');
  } finally {
    await inbox.stop();
  }
});

test('the inbox keeps its last 200 deliveries, in memory and in its log, across restarts', async () => {
  let inbox = await startInbox();
  const total = 2 * KEEP + 25;
  let last;
  try {
    for (let i = 0; i < total; i += 1) {
      last = JSON.stringify({ n: i });
      assert.equal(await post(inbox.url, last), 204);
    }
    await recorded(inbox, last);
    const list = await inbox.deliveries();
    assert.equal(list.length, KEEP);
    assert.equal(list.at(-1).body, last);
    const lines = readFileSync(LOG, 'utf8').split('\n').filter(Boolean).length;
    assert.ok(lines <= 2 * KEEP, `the log holds ${lines} lines`);
  } finally {
    await inbox.stop();
  }
  inbox = await startInbox();
  try {
    const list = await inbox.deliveries();
    assert.equal(list.length, KEEP);
    assert.equal(list.at(-1).body, last);
    assert.equal(readFileSync(LOG, 'utf8').split('\n').filter(Boolean).length, KEEP, 'compacted on start');
    assert.ok(!existsSync(`${LOG}.tmp`));
  } finally {
    await inbox.stop();
  }
});
