// `make dev` (scripts/dev.sh, called directly: the worker is already built) leaves nothing
// running however it is stopped: Ctrl-C (INT to the group), TERM and HUP (a closed terminal)
// to the group or to the script alone, and KILL of its process group. Each run starts
// dev.sh in a process group of its own (setsid), as a terminal would, waits until it says it
// is running, signals it, and then looks for anything left: a process still in that group,
// any process naming the run's state directory, or any of its ports still taken.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, closeSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARTIFACTS, ROOT, freePort } from '../support/gateway.mjs';

const leftovers = new Set();
after(() => { for (const pid of leftovers) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } } });

/**
 * Live (not zombie) processes in process group `pgid`, or naming `needle` (the run's state
 * directory) in their command line or environment: dev.sh's `STATE_DIR` is inherited by
 * everything it starts, even what escaped its group.
 */
function remaining(pgid, needle) {
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid pgrp …; comm may contain spaces, so split after its ')'.
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state === 'Z') continue;
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      let environ = '';
      try { environ = readFileSync(`/proc/${entry}/environ`, 'utf8'); } catch { /* not ours to read */ }
      if (Number(pgrp) === pgid || cmdline.includes(needle) || environ.includes(`STATE_DIR=${needle}\0`)) {
        found.push({ pid: Number(entry), cmdline: cmdline.trim() });
      }
    } catch { /* exited while we looked */ }
  }
  return found;
}

function portFree(port) {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** SIGKILL to the run's whole group, unless its leader has already been reaped. */
function killGroup(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
}

async function startDev(name) {
  const ports = { PORT: await freePort(), SHOP_PORT: await freePort(), INBOX_PORT: await freePort(), INSPECTOR_PORT: await freePort() };
  const stateDir = mkdtempSync(join(tmpdir(), 'kassa-dev-'));
  mkdirSync(ARTIFACTS, { recursive: true });
  const logPath = join(ARTIFACTS, `dev-script-${name}.log`);
  const logFd = openSync(logPath, 'w');
  const env = {
    ...process.env, ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
    STATE_DIR: stateDir, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1',
    PATH: `${join(ROOT, 'node_modules/.bin')}:${process.env.PATH}`,
  };
  // detached: setsid(), so the script leads a process group and a session of its own.
  const child = spawn(join(ROOT, 'scripts/dev.sh'), [], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', logFd] });
  closeSync(logFd);
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  let out = '';
  const ready = new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => { out += d; if (out.includes('Kassa is running')) resolve(); });
    exited.then((how) => reject(new Error(`dev.sh exited before it was running (${JSON.stringify(how)}); see ${logPath}\n${out}`)));
  });
  try {
    await ready;
  } catch (err) {
    killGroup(child);
    throw err;
  }
  return { child, exited, ports, stateDir, pgid: child.pid };
}

/** Polls until nothing of the run is left (or 20 s have passed) and returns what is. */
async function whatIsLeft(run) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const procs = remaining(run.pgid, run.stateDir);
    const taken = [];
    for (const [name, port] of Object.entries(run.ports)) if (name !== 'INSPECTOR_PORT' && !(await portFree(port))) taken.push(name);
    if ((procs.length === 0 && taken.length === 0) || Date.now() > deadline) return { procs, taken };
    await new Promise((r) => setTimeout(r, 200));
  }
}

const CASES = [
  ['SIGINT', 'group'], // Ctrl-C
  ['SIGTERM', 'group'],
  ['SIGTERM', 'script'],
  ['SIGHUP', 'group'], // the terminal closed
  ['SIGHUP', 'script'],
  ['SIGKILL', 'group'],
];

for (const [signal, to] of CASES) {
  test(`${signal} to ${to === 'group' ? "dev.sh's process group" : 'dev.sh alone'} leaves nothing running`, async () => {
    const run = await startDev(`${signal}-${to}`);
    try {
      const before = remaining(run.pgid, run.stateDir);
      assert.ok(before.some((p) => p.cmdline.includes('workerd')), 'workerd is in the group while running');
      process.kill(to === 'group' ? -run.pgid : run.pgid, signal);
      await run.exited;
      const { procs, taken } = await whatIsLeft(run);
      for (const p of procs) leftovers.add(p.pid);
      assert.deepEqual(procs.map((p) => p.cmdline), [], 'processes left running');
      assert.deepEqual(taken, [], 'ports still taken');
    } finally {
      killGroup(run.child);
      rmSync(run.stateDir, { recursive: true, force: true });
    }
  });
}
