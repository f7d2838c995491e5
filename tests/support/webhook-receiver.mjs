// A real HTTP receiver for webhook deliveries, and the verifications a partner would run:
// GOV.UK Pay's Pay-Signature with exactly the seed document's JavaScript snippet, Standard
// Webhooks v1 with the npm `standardwebhooks` package, and v1a (ed25519) with Node's crypto.
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { createPublicKey, verify as edVerify } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

// The snippet is CommonJS (`require('crypto')`); give it the `require` it expects.
const require = createRequire(import.meta.url);

/** GOV.UK Pay's snippet, verbatim, wrapped in a function of its three named inputs. */
export function verifyPaySignature(webhookMessageBody, webhookSigningSecret, paySignatureHeader) {
  // JavaScript
  // webhookMessageBody - the POST body sent from GOV.UK Pay
  // webhookSigningSecret - the signing secret unique to the GOV.UK Pay webhook
  // paySignatureHeader - the value of the `Pay-Signature` header received with the POST from GOV.UK Pay

  const crypto = require('crypto')

  const hmac = crypto.createHmac('sha256', webhookSigningSecret)
    .update(webhookMessageBody)
    .digest('hex')

  const valid = hmac === paySignatureHeader
  return valid;
}

/** Standard Webhooks v1 with the reference npm package; true when some v1 entry matches. */
export function verifyStandard(delivery, secret) {
  try {
    new Webhook(secret).verify(delivery.body, delivery.headers);
    return true;
  } catch {
    return false;
  }
}

/** Standard Webhooks v1a: some `v1a,<base64>` entry is an ed25519 signature by `whpk_…`. */
export function verifyEd25519(delivery, publicKey) {
  const raw = Buffer.from(publicKey.replace(/^whpk_/, ''), 'base64');
  const key = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]), format: 'der', type: 'spki' });
  const h = delivery.headers;
  const content = Buffer.from(`${h['webhook-id']}.${h['webhook-timestamp']}.${delivery.body}`, 'utf8');
  return h['webhook-signature'].split(' ').some((entry) => {
    const [version, sig] = entry.split(',');
    return version === 'v1a' && edVerify(null, content, key, Buffer.from(sig, 'base64'));
  });
}

/**
 * Records every request. `policy(delivery, nth)` decides the answer: a status code, or
 * 'hold' to never answer (the sender's timeout or its death ends the request). `nth` counts
 * the requests with this `webhook-id`, from 1.
 */
export class Receiver {
  constructor(policy = () => 200) {
    this.policy = policy;
    this.deliveries = [];
    this.held = [];
    this.waiters = new Set();
    this.server = createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const id = req.headers['webhook-id'];
        const nth = this.deliveries.filter((d) => d.id === id).length + 1;
        const delivery = { id, nth, headers: req.headers, body, json: safeJson(body), method: req.method, url: req.url };
        const answer = this.policy(delivery, nth);
        delivery.answer = answer;
        this.deliveries.push(delivery);
        if (answer === 'hold') this.held.push(res);
        else res.writeHead(answer).end('ok');
        for (const w of this.waiters) w();
      });
    });
  }

  async start() {
    await new Promise((ok) => this.server.listen(0, '127.0.0.1', ok));
    this.url = `http://127.0.0.1:${this.server.address().port}/hooks`;
    return this;
  }

  async stop() {
    for (const res of this.held) res.destroy();
    this.server.closeAllConnections();
    await new Promise((ok) => this.server.close(ok));
  }

  /** Resolves once `predicate(deliveries)` holds; rejects after `ms` with `what`. */
  waitFor(what, predicate, ms = 60_000) {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (predicate(this.deliveries)) { clearTimeout(timer); this.waiters.delete(check); resolve(this.deliveries); }
      };
      const timer = setTimeout(() => { this.waiters.delete(check); reject(new Error(`timed out waiting for ${what}; got ${this.deliveries.length} deliveries`)); }, ms);
      this.waiters.add(check);
      check();
    });
  }

  /** Deliveries answered 2xx, one per message id (the first success of each). */
  succeeded() {
    const seen = new Map();
    for (const d of this.deliveries) if (typeof d.answer === 'number' && d.answer < 300 && !seen.has(d.id)) seen.set(d.id, d);
    return [...seen.values()];
  }
}

function safeJson(text) {
  try { return JSON.parse(text); } catch { return null; }
}
