// Runs every test layer and ends with one line: "total: N passed, N failed".
//
//   node tests/run.mjs                 all layers (what `make test` and CI run)
//   node tests/run.mjs unit browser    only the layers whose names start with these words
//
// Integration and browser layers share one freshly started `wrangler dev` on a free port with
// a throw-away state directory; it is always stopped, whatever happens.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { readdirSync, rmSync } from 'node:fs';
import { startGateway, ROOT } from './support/gateway.mjs';

const WASM = 'wasm32-unknown-unknown';
const nodeFiles = (dir) => readdirSync(join(ROOT, dir))
  .filter((f) => f.endsWith('.test.mjs')).sort().map((f) => join(dir, f));

const layers = [
  { name: 'fmt', kind: 'check', cmds: [['cargo', 'fmt', '--all', '--check']] },
  { name: 'clippy-native', kind: 'check', cmds: [['cargo', 'clippy', '--workspace', '--all-targets', '--', '-D', 'warnings']] },
  {
    name: 'clippy-wasm32', kind: 'check', cmds: [
      ['cargo', 'clippy', '--workspace', '--target', WASM, '--', '-D', 'warnings'],
      ['cargo', 'clippy', '-p', 'kassa-checkout', '--target', WASM, '--all-targets', '--', '-D', 'warnings'],
    ],
  },
  {
    // kassa-core must build for wasm32 with nothing that needs a JS environment or an OS.
    name: 'core-sans-io', kind: 'check', cmds: [
      ['cargo', 'build', '-p', 'kassa-core', '--target', WASM],
      ['bash', '-c', `! cargo tree -p kassa-core -e normal --target ${WASM} | grep -E 'getrandom|wasm-bindgen|js-sys|web-sys|tokio|std-env'`],
    ],
  },
  // No module cycles, and no account module using one of a higher layer (ARCHITECTURE.md).
  { name: 'layers', kind: 'check', cmds: [[process.execPath, 'scripts/module-graph.mjs', '--check']] },
  { name: 'unit', kind: 'cargo', cmds: [['cargo', 'test', '-p', 'kassa-core']] },
  {
    name: 'widget-wasm', kind: 'cargo', cmds: [['cargo', 'test', '-p', 'kassa-checkout', '--target', WASM]],
    env: { CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER: 'wasm-bindgen-test-runner' },
  },
  { name: 'crosscheck', kind: 'node', dir: 'tests/crosscheck' },
  { name: 'integration', kind: 'node', dir: 'tests/integration', gateway: true, concurrency: 4 },
  // schemathesis against the OpenAPI documents (needs .venv: scripts/ensure-tools.sh --python).
  { name: 'conformance', kind: 'node', dir: 'tests/conformance', gateway: true },
  { name: 'browser', kind: 'node', dir: 'tests/browser', gateway: true },
];

const only = process.argv.slice(2);
const selected = only.length ? layers.filter((l) => only.some((o) => l.name.startsWith(o))) : layers;

function run(cmd, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd[0], cmd.slice(1), { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; process.stdout.write(d); });
    child.stderr.on('data', (d) => { out += d; process.stderr.write(d); });
    child.on('error', (err) => { out += String(err); resolve({ code: 127, out }); });
    child.on('exit', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), out }));
  });
}

/** Sums libtest's "test result: ok. N passed; M failed" lines. */
function cargoCounts(out) {
  let passed = 0; let failed = 0; let seen = false;
  for (const m of out.matchAll(/test result: \w+\. (\d+) passed; (\d+) failed/g)) {
    passed += Number(m[1]); failed += Number(m[2]); seen = true;
  }
  return seen ? { passed, failed } : null;
}

/** Reads node:test's spec-reporter summary ("ℹ pass N", "ℹ fail N", "ℹ cancelled N"). */
function nodeCounts(out) {
  const num = (label) => Number((new RegExp(`ℹ ${label} (\\d+)`).exec(out) ?? [])[1] ?? NaN);
  const passed = num('pass'); const failed = num('fail'); const cancelled = num('cancelled');
  if (Number.isNaN(passed) || Number.isNaN(failed)) return null;
  return { passed, failed: failed + (Number.isNaN(cancelled) ? 0 : cancelled) };
}

const results = [];
let gateway = null;
try {
  for (const layer of selected) {
    console.log(`\n\x1b[1m━━ ${layer.name} ━━\x1b[0m`);
    let counts = { passed: 0, failed: 0 };
    if (layer.kind === 'check') {
      for (const cmd of layer.cmds) {
        const { code } = await run(cmd, layer.env);
        counts[code === 0 ? 'passed' : 'failed'] += 1;
      }
    } else if (layer.kind === 'cargo') {
      for (const cmd of layer.cmds) {
        const { code, out } = await run(cmd, layer.env);
        const c = cargoCounts(out) ?? { passed: 0, failed: 0 };
        // A build failure or crash runs no tests: it still counts as a failure.
        if (code !== 0 && c.failed === 0) c.failed = 1;
        counts.passed += c.passed; counts.failed += c.failed;
      }
    } else {
      const env = {};
      if (layer.gateway) {
        try {
          gateway ??= await startGateway({ name: 'test-gateway' });
          env.KASSA_URL = gateway.url;
          env.KASSA_STATE_DIR = gateway.stateDir;
          env.KASSA_LOG = gateway.logPath;
        } catch (err) {
          console.error(String(err));
          results.push({ name: layer.name, passed: 0, failed: 1 });
          continue;
        }
      }
      // Files run concurrently: they are I/O-bound and each uses its own accounts.
      const { code, out } = await run([process.execPath, '--test', '--test-reporter=spec', `--test-concurrency=${layer.concurrency ?? 1}`, ...nodeFiles(layer.dir)], env);
      counts = nodeCounts(out) ?? { passed: 0, failed: 0 };
      if (code !== 0 && counts.failed === 0) counts.failed = 1;
    }
    results.push({ name: layer.name, ...counts });
  }
} finally {
  if (gateway) {
    await gateway.stop();
    rmSync(gateway.stateDir, { recursive: true, force: true });
  }
}

const passed = results.reduce((n, r) => n + r.passed, 0);
const failed = results.reduce((n, r) => n + r.failed, 0);
console.log('\n\x1b[1mKassa test summary\x1b[0m');
for (const r of results) {
  const mark = r.failed ? '\x1b[31m✗\x1b[0m' : '\x1b[32m✓\x1b[0m';
  console.log(`  ${mark} ${r.name.padEnd(14)} ${String(r.passed).padStart(5)} ok  ${String(r.failed).padStart(3)} failing`);
}
console.log(`total: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && results.length === selected.length ? 0 : 1);
