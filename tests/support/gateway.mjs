// Starts and stops a real gateway (`wrangler dev`: workerd with local SQLite state) for tests.
// Each gateway gets a free port, its own inspector port and, unless told otherwise, a
// throw-away state directory. Its output is kept in a log file so tests can inspect it.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, openSync, readFileSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const ARTIFACTS = join(ROOT, 'tests/.artifacts');

export function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

/** The local secrets `wrangler dev` reads (.dev.vars), as an object. */
export function devVars() {
  const vars = {};
  for (const line of readFileSync(join(ROOT, '.dev.vars'), 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) vars[m[1]] = m[2];
  }
  return vars;
}

const running = new Set();
function killGroup(pid, signal) {
  try { process.kill(-pid, signal); } catch { /* already gone */ }
}
// Whatever happens to the test process, no workerd outlives it.
process.on('exit', () => { for (const g of running) killGroup(g.pid, 'SIGKILL'); });
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => { for (const g of running) killGroup(g.pid, 'SIGKILL'); process.exit(130); });
}

/**
 * Starts `wrangler dev`. Resolves once `/healthz` answers 200.
 * @param {{stateDir?: string, port?: number, name?: string, logLevel?: string, vars?: Record<string, string>}} opts
 *   `vars` override wrangler.toml's `[vars]` (`--var NAME:VALUE`), e.g. `STRIPE_API_BASE`,
 *   `ADYEN_API_BASE`.
 */
export async function startGateway(opts = {}) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const port = opts.port ?? await freePort();
  const inspectorPort = await freePort();
  const stateDir = opts.stateDir ?? mkdtempSync(join(tmpdir(), 'kassa-state-'));
  const name = opts.name ?? `gateway-${port}`;
  const logPath = join(ARTIFACTS, `${name}.log`);
  const logFd = openSync(logPath, 'a');
  const child = spawn(join(ROOT, 'node_modules/.bin/wrangler'), [
    'dev', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspectorPort),
    '--persist-to', stateDir, '--show-interactive-dev-session=false', '--log-level', opts.logLevel ?? 'info',
    // Tests never reach a real provider: unless a test points Stripe or Adyen at its own
    // fake, it is pointed at a closed loopback port (a call fails at once, nothing leaves
    // the machine).
    ...Object.entries({ STRIPE_API_BASE: 'http://127.0.0.1:9', ADYEN_API_BASE: 'http://127.0.0.1:9', ...opts.vars })
      .flatMap(([k, v]) => ['--var', `${k}:${v}`]),
  ], {
    cwd: ROOT,
    detached: true, // own process group: stopping it stops workerd too
    stdio: ['ignore', logFd, logFd],
    env: {
      ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1',
      PATH: `${join(ROOT, 'node_modules/.bin')}:${process.env.PATH}`, // wrangler needs Node 22
    },
  });
  closeSync(logFd);
  const gateway = {
    url: `http://127.0.0.1:${port}`, port, stateDir, logPath, pid: child.pid,
    exited: new Promise((ok) => child.on('exit', ok)),
    async stop() {
      running.delete(gateway);
      killGroup(child.pid, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), 5000);
      await gateway.exited;
      clearTimeout(timer);
      killGroup(child.pid, 'SIGKILL'); // workerd children, if any lingered
    },
    log() { return readFileSync(logPath, 'utf8'); },
  };
  running.add(gateway);
  const deadline = Date.now() + 90_000;
  let exitCode = null;
  child.on('exit', (code) => { exitCode = code ?? -1; });
  while (Date.now() < deadline) {
    if (exitCode !== null) throw new Error(`wrangler dev exited (${exitCode}); see ${logPath}`);
    try {
      const res = await fetch(`${gateway.url}/healthz`);
      if (res.ok) return gateway;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 250));
  }
  await gateway.stop();
  throw new Error(`gateway did not become healthy within 90 s; see ${logPath}`);
}
