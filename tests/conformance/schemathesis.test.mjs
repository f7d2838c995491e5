// Property-based conformance of the running API against its OpenAPI documents, driven by
// schemathesis (installed into .venv by `scripts/ensure-tools.sh --python`):
//
//   1. GOV.UK Pay's published document, restricted to the payments and refunds operations
//      Kassa serves: the contract `/v1` is a drop-in for;
//   2. Kassa's own api/openapi.json: the same operations plus /healthz and the admin API.
//
// Checks: no 5xx, every status code documented, every body matching its documented schema,
// and every P0xxx error code one the document lists for that response.
// Each operation schemathesis tested becomes one test here (from its JUnit report), so the
// layer counts passes and failures per operation and document.
//
// The gateway is the runner's (KASSA_URL); run on its own, this file starts one:
//   make build && scripts/ensure-tools.sh --python && node --test tests/conformance/
import { after, describe, it, test } from 'node:test';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ARTIFACTS, ROOT, devVars, startGateway } from '../support/gateway.mjs';

const ST = join(ROOT, '.venv/bin/st');
const CONFIG = join(ROOT, 'tests/conformance/schemathesis.toml');
const GOVUK_SPEC = join(ROOT, 'api/reference/govukpay-publicapi-openapi.json');
const KASSA_SPEC = join(ROOT, 'api/openapi.json');
const REPORTS = join(ARTIFACTS, 'conformance');
// The three standard checks, plus error_code_conformance (error_codes.py): the body's P0xxx
// code must be one the document lists for that status.
const CHECKS = 'not_a_server_error,status_code_conformance,response_schema_conformance,error_code_conformance';
const HOOKS = join(ROOT, 'tests/conformance/error_codes.py');
// A hard stop per document, far above a normal run (seconds), so a hung API cannot hang CI.
const RUN_TIMEOUT_MS = 150_000;

const RUNS = [
  {
    name: "GOV.UK Pay's published document (payments and refunds)",
    slug: 'govukpay',
    spec: GOVUK_SPEC,
    // Agreements, disputes and /v1/auth are GOV.UK Pay features Kassa does not serve.
    filter: ['--include-path-regex', '^/v1/(payments|refunds)(/|$)'],
  },
  { name: "Kassa's api/openapi.json", slug: 'kassa', spec: KASSA_SPEC, filter: [] },
];

let gateway = null;
let base = process.env.KASSA_URL;
if (!base) {
  gateway = await startGateway({ name: 'conformance-gateway' });
  base = gateway.url;
  after(async () => {
    await gateway.stop();
    rmSync(gateway.stateDir, { recursive: true, force: true });
  });
}
const adminToken = devVars().ADMIN_TOKEN;

// --- A merchant account and its test key, through the admin API ------------------------
// Without a key every /v1 request would only be a 401; the key-creation test below fails
// then, so a run that could not authenticate is never green.
let apiKey = null;
let accountError = null;
try {
  const res = await fetch(`${base}/admin/v1/accounts`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}` },
  });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`POST /admin/v1/accounts answered ${res.status}: ${text.slice(0, 200)}`);
  const body = JSON.parse(text);
  if (!/^api_test_[a-z2-7]{82}$/.test(body.api_key ?? '')) throw new Error('POST /admin/v1/accounts: no test api_key in the body');
  apiKey = body.api_key;
} catch (err) {
  accountError = err;
}

// --- schemathesis, once per document ---------------------------------------------------

/** Runs schemathesis; resolves to its exit code. Its output goes straight to ours. */
function schemathesis(args, env) {
  return new Promise((resolveRun) => {
    const child = spawn(ST, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.on('error', (err) => { clearTimeout(timer); console.error(String(err)); resolveRun(127); });
    child.on('exit', (code, signal) => { clearTimeout(timer); resolveRun(code ?? (signal ? 128 : 1)); });
  });
}

const unescapeXml = (s) => s.replace(/&(lt|gt|quot|apos|amp|#(\d+));/g, (_, name, num) => (num
  ? String.fromCodePoint(Number(num))
  : { lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' }[name]));

/** One entry per <testcase> of schemathesis's JUnit report: an operation, or "Stateful tests". */
function junitCases(xml) {
  const cases = [];
  for (const m of xml.matchAll(/<testcase name="([^"]*)"[^>]*?(?:\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const inner = m[2] ?? '';
    const failures = [...inner.matchAll(/<(failure|error)\b[^>]*>([\s\S]*?)<\/\1>/g)].map((f) => unescapeXml(f[2]).trim());
    cases.push({ name: unescapeXml(m[1]), failures, skipped: /<skipped\b/.test(inner) });
  }
  return cases;
}

const results = [];
for (const run of RUNS) {
  mkdirSync(REPORTS, { recursive: true });
  const junit = join(REPORTS, `${run.slug}.junit.xml`);
  rmSync(junit, { force: true });
  const args = [
    '--no-color', '--config-file', CONFIG, 'run', run.spec, '--url', base, '--checks', CHECKS,
    ...run.filter, '--report', 'junit', '--report-junit-path', junit,
  ];
  // The exact command, minus the credentials: those travel in the environment only.
  console.log(`\n$ SCHEMATHESIS_HOOKS=${relative(ROOT, HOOKS)} \\`);
  const shown = args.map((a) => (a.startsWith('/') ? relative(ROOT, a) : a))
    .map((a) => (/^[\w./:,=-]+$/.test(a) ? a : `'${a}'`));
  console.log(`  ${relative(ROOT, ST)} ${shown.join(' ')}`);
  const code = await schemathesis(args, {
    SCHEMATHESIS_HOOKS: HOOKS,
    PYTHONDONTWRITEBYTECODE: '1', // no __pycache__ in the source tree
    KASSA_API_KEY: apiKey ?? 'api_test_unavailable',
    KASSA_ADMIN_TOKEN: adminToken,
  });
  const cases = existsSync(junit) ? junitCases(readFileSync(junit, 'utf8')) : [];
  results.push({ run, code, cases });
}

// Tests are registered only now, so their report follows schemathesis's output instead of
// interleaving with it.
test('the admin API creates an account with a test API key', () => {
  if (accountError) throw accountError;
});

for (const { run, code, cases } of results) {
  describe(run.name, () => {
    // Exit code 1 means "failures found", which the cases below report; anything else, or
    // no report at all, means schemathesis itself could not do its job.
    if (cases.length === 0 || (code !== 0 && code !== 1) || (code === 1 && !cases.some((c) => c.failures.length))) {
      it('schemathesis ran to completion', () => {
        throw new Error(`schemathesis exited with ${code} (${cases.length} operations reported); see its output above`);
      });
    }
    for (const c of cases) {
      it(c.name, { skip: c.skipped && !c.failures.length ? 'skipped by schemathesis' : false }, () => {
        if (c.failures.length) {
          const err = new Error(c.failures.join('\n\n'));
          err.stack = `Error: ${err.message}`; // schemathesis's report says it all; our stack would not help
          throw err;
        }
      });
    }
  });
}
