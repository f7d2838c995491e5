// The local webhook inbox `make dev` starts: it records every delivery POSTed to /hooks and
// shows them at / with their headers and whether each signature verifies (Pay-Signature with
// GOV.UK Pay's snippet, Standard Webhooks v1 with npm standardwebhooks, v1a with ed25519).
//
//   node scripts/webhook-inbox.mjs <port> <gateway base URL> <state dir>
//
// Secrets are looked up through the API with the demo account's key (saved in the state
// directory by seed-demo.mjs), so a rotated secret verifies too. Local use only.
import { createServer } from 'node:http';
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { verifyEd25519, verifyPaySignature, verifyStandard } from '../tests/support/webhook-receiver.mjs';

const [port = '8789', base = 'http://127.0.0.1:8787', stateDir = '.wrangler/state'] = process.argv.slice(2);
const LOG = join(stateDir, 'webhook-inbox.jsonl');
// Everything the inbox holds is bounded, however much is POSTed to it: the deliveries kept (in
// memory and in the log, which is rewritten with only those once it has twice as many lines),
// each body (Kassa's messages are a few KB; the gateway itself takes at most 64 KB), and the
// signature checks running at once (each one asks the gateway for the secrets). Headers are
// bounded by Node's own limit (16 KB).
const KEEP = 200;
const BODY_LIMIT = 64 * 1024;
const VERIFYING_AT_ONCE = 8;
const deliveries = existsSync(LOG)
  ? readFileSync(LOG, 'utf8').split('\n').filter(Boolean).flatMap((l) => {
    try { return [JSON.parse(l)]; } catch { return []; } // a line cut short by a crash
  }).slice(-KEEP)
  : [];
let logLines = deliveries.length;
let verifying = 0;

/** Rewrites the log with only the deliveries kept (through a rename, so a crash loses nothing). */
function compactLog() {
  writeFileSync(`${LOG}.tmp`, deliveries.map((d) => `${JSON.stringify(d)}\n`).join(''));
  renameSync(`${LOG}.tmp`, LOG);
  logLines = deliveries.length;
}
if (existsSync(LOG)) compactLog();

function record(delivery) {
  deliveries.push(delivery);
  if (deliveries.length > KEEP) deliveries.shift();
  appendFileSync(LOG, `${JSON.stringify(delivery)}\n`);
  logLines += 1;
  if (logLines > 2 * KEEP) compactLog();
}

function demoKey() {
  const saved = join(stateDir, 'demo-account.json');
  return existsSync(saved) ? JSON.parse(readFileSync(saved, 'utf8')).api_key : null;
}

/** The secrets of the webhook whose callback URL is ours: current and, mid-rotation, previous. */
async function secretsFor(url) {
  const key = demoKey();
  if (!key) return null;
  const auth = { headers: { Authorization: `Bearer ${key}` } };
  const hooks = await (await fetch(`${base}/v1/webhooks`, auth)).json();
  const hook = hooks.results?.find((h) => h.callback_url === url);
  if (!hook) return null;
  return (await fetch(`${base}/v1/webhooks/${hook.webhook_id}/signing-key`, auth)).json();
}

async function verify(delivery, ownUrl) {
  try {
    const s = await secretsFor(ownUrl);
    if (!s) return { note: 'no webhook of the demo account points here' };
    const secrets = [s.signing_key, s.previous_signing_key].filter(Boolean);
    return {
      pay_signature: secrets.some((k) => verifyPaySignature(delivery.body, k, delivery.headers['pay-signature'])),
      v1: secrets.some((k) => verifyStandard(delivery, k)),
      v1a: s.public_key ? verifyEd25519(delivery, s.public_key) : false,
    };
  } catch (err) {
    return { note: `could not verify: ${err.message}` };
  }
}

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
const mark = (ok) => (ok === true ? '<span class="ok">✓ verifies</span>' : ok === false ? '<span class="bad">✗ does not verify</span>' : '–');

function page() {
  const rows = deliveries.slice().reverse().map((d) => {
    const json = (() => { try { return JSON.parse(d.body); } catch { return null; } })();
    const v = d.verified ?? {};
    return `<section>
  <h2>${esc(json?.event_type ?? '(not JSON)')} <small>${esc(json?.resource_id ?? '')} · sequence ${esc(json?.sequence ?? '?')} · received ${esc(d.received)}</small></h2>
  <table>
    <tr><th>Pay-Signature</th><td>${mark(v.pay_signature)}</td></tr>
    <tr><th>webhook-signature v1</th><td>${mark(v.v1)}</td></tr>
    <tr><th>webhook-signature v1a (ed25519)</th><td>${mark(v.v1a)}</td></tr>
    ${v.note ? `<tr><th>Note</th><td>${esc(v.note)}</td></tr>` : ''}
  </table>
  <details><summary>Headers</summary><table>${Object.entries(d.headers).map(([k, val]) => `<tr><th>${esc(k)}</th><td><code>${esc(val)}</code></td></tr>`).join('')}</table></details>
  <details><summary>Body</summary><pre>${esc(json ? JSON.stringify(json, null, 2) : d.body)}</pre></details>
</section>`;
  }).join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">
<title>Kassa webhook inbox</title><style>
body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}section{border-top:1px solid #ccc;padding:.5rem 0}
th{text-align:left;padding-right:1rem;vertical-align:top}td code{word-break:break-all}.ok{color:#00703c}.bad{color:#d4351c;font-weight:bold}
pre{background:#f3f2f1;padding:1rem;overflow:auto}small{color:#505a5f;font-weight:normal}</style></head><body>
<h1>Kassa webhook inbox</h1>
<p>Deliveries to <code>http://127.0.0.1:${esc(port)}/hooks</code>, newest first (${deliveries.length} kept; refreshes every 5 s).</p>
${rows || '<p>Nothing yet: create a payment and pay or cancel it.</p>'}
</body></html>`;
}

const server = createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/hooks') {
    const tooLarge = () => {
      // Answered at once and the connection closed: the rest of the body is never read.
      res.writeHead(413, { Connection: 'close' }).end();
      res.on('finish', () => req.destroy());
    };
    if (Number(req.headers['content-length'] ?? 0) > BODY_LIMIT) { tooLarge(); return; }
    const chunks = [];
    let size = 0;
    let refused = false;
    req.on('data', (c) => {
      if (refused) return;
      size += c.length;
      if (size > BODY_LIMIT) { refused = true; chunks.length = 0; tooLarge(); return; }
      chunks.push(c);
    });
    req.on('end', async () => {
      if (refused) return;
      const delivery = { received: new Date().toISOString(), headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      res.writeHead(204).end();
      if (verifying >= VERIFYING_AT_ONCE) {
        delivery.verified = { note: 'not verified: too many deliveries at once' };
      } else {
        verifying += 1;
        try {
          delivery.verified = await verify(delivery, `http://127.0.0.1:${port}/hooks`);
        } finally {
          verifying -= 1;
        }
      }
      record(delivery);
    });
    return;
  }
  if (req.method === 'GET' && (req.url === '/' || req.url === '/index.html')) {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }).end(page());
    return;
  }
  if (req.method === 'GET' && req.url === '/deliveries.json') {
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(deliveries));
    return;
  }
  res.writeHead(404).end();
});
server.listen(Number(port), '127.0.0.1');
