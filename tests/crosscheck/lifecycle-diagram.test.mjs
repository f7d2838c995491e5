// The lifecycle diagram and its page (built by `make build-docs` from kassa-core's transition
// table) against the table as kassa-core gives it now: every status, every edge and every row
// is there and nothing else, so a diagram left stale by a change to `payment::next` fails here.
// Also: the drawing's boxes do not overlap, and the pages link each other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { core } from '../support/core.mjs';
import { ROOT } from '../support/gateway.mjs';

const DOCS = join(ROOT, 'dist/public/docs');
const read = (rel) => {
  const file = join(DOCS, rel);
  assert.ok(existsSync(file), `${file} is missing: run make build-docs`);
  return readFileSync(file, 'utf8');
};
const svg = read('lifecycle.svg');
const html = read('lifecycle/index.html');
const { statuses, rows } = JSON.parse(core.payment_lifecycle());

const unescape = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"')
  .replace(/&#39;/g, "'").replace(/&amp;/g, '&');
const text = (fragment) => unescape(fragment.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ').trim();

/** The drawn edges: (from, to) pairs with the inputs their labels name. */
function expectedEdges() {
  const edges = new Map();
  for (const r of rows.filter((x) => !x.no_op)) {
    const key = `${r.from}--${r.to}`;
    edges.set(key, [...new Set([...(edges.get(key) ?? []), r.input])]);
  }
  return edges;
}

test('the table has rows to draw', () => {
  assert.ok(statuses.length >= 10 && rows.length >= 30, `${statuses.length} statuses, ${rows.length} rows`);
  assert.equal(statuses[0].name, 'created');
});

test('the diagram shows every status, with its GOV.UK Pay status and code', () => {
  const drawn = [...svg.matchAll(/<g id="status-([a-z0-9_]+)" class="status">([\s\S]*?)<\/g>/g)];
  assert.deepEqual(drawn.map((m) => m[1]).sort(), statuses.map((s) => s.name).sort());
  for (const s of statuses) {
    const [, , body] = drawn.find((m) => m[1] === s.name);
    const shown = text(body.replace(/<title>[\s\S]*?<\/title>/, ''));
    assert.ok(shown.startsWith(`${s.name} ${s.external_status}`), `${s.name}: ${shown}`);
    if (s.code) assert.ok(shown.includes(s.code), `${s.name}: ${shown}`);
    // Finished statuses have the double border: a second, inner rectangle.
    assert.equal((body.match(/<rect /g) ?? []).length, s.finished ? 2 : 1, s.name);
  }
});

test('the diagram has every edge of the table, labelled with every input, and no other', () => {
  const expected = expectedEdges();
  const drawn = new Map([...svg.matchAll(/<g id="edge-([a-z0-9_]+--[a-z0-9_]+)" class="edge"><title>([^<]*)<\/title>/g)]
    .map((m) => [m[1], unescape(m[2])]));
  assert.deepEqual([...drawn.keys()].sort(), [...expected.keys()].sort());
  const labels = new Map([...svg.matchAll(/<g class="edge-label" data-edge="edge-([^"]+)">([\s\S]*?)<\/g>/g)]
    .map((m) => [m[1], text(m[2])]));
  for (const [key, inputs] of expected) {
    for (const input of inputs) {
      assert.ok(drawn.get(key).includes(input), `${key} title: ${input}`);
      // A self-loop's label is inside its own group; every other edge has a label box.
      const label = labels.get(key) ?? text(svg.split(`id="edge-${key}"`)[1].split('</g>')[0]);
      assert.ok(label.split(' ').some((w) => w === input), `${key} label: ${input} in "${label}"`);
    }
  }
  // Delayed-capture-only edges are dashed, and only those.
  for (const [key] of expected) {
    const [from, to] = key.split('--');
    const only = rows.filter((r) => !r.no_op && r.from === from && r.to === to).every((r) => r.delayed_capture === 'only');
    const group = svg.split(`id="edge-${key}"`)[1].split('</g>')[0];
    assert.equal(/stroke-dasharray/.test(group), only, key);
  }
});

test('no two boxes of the diagram overlap, and all lie inside it', () => {
  const [, width, height] = /<svg[^>]* width="(\d+)" height="(\d+)"/.exec(svg).map(Number);
  const [, dx, dy] = /<g transform="translate\(([\d.]+),([\d.]+)\)">\n(?=<g id="edge-|<g class="edge-label"|<g id="status-)/.exec(svg).map(Number);
  const boxes = [...svg.matchAll(/<rect class="(box|label)" x="([-\d.]+)" y="([-\d.]+)" width="([\d.]+)" height="([\d.]+)"/g)]
    .map((m) => ({ kind: m[1], x: Number(m[2]) + dx, y: Number(m[3]) + dy, w: Number(m[4]), h: Number(m[5]) }));
  assert.equal(boxes.filter((b) => b.kind === 'box').length, statuses.length);
  assert.ok(boxes.filter((b) => b.kind === 'label').length >= expectedEdges().size);
  for (const b of boxes) {
    assert.ok(b.x >= 0 && b.y >= 0 && b.x + b.w <= width && b.y + b.h <= height, `outside: ${JSON.stringify(b)}`);
  }
  for (let i = 0; i < boxes.length; i += 1) {
    for (let j = i + 1; j < boxes.length; j += 1) {
      const [a, b] = [boxes[i], boxes[j]];
      const apart = a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y;
      assert.ok(apart, `overlap: ${JSON.stringify(a)} ${JSON.stringify(b)}`);
    }
  }
});

test('the page tabulates every status and every row, as the text alternative', () => {
  const tables = [...html.matchAll(/<tbody>([\s\S]*?)<\/tbody>/g)].map((m) => [...m[1].matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((r) => text(r[1])));
  assert.equal(tables.length, 2);
  const [statusRows, transitionRows] = tables;
  assert.deepEqual(statusRows, statuses.map((s) => `${s.name} ${s.external_status} ${s.code ?? 'none'} ${s.finished ? 'yes' : 'no'}`));
  const dc = { any: 'any', only: 'delayed capture only', never: 'immediate capture only' };
  assert.deepEqual(transitionRows, rows.map((r) => `${r.from} ${r.input} ${dc[r.delayed_capture]} ${r.to} ${r.event ?? `none${r.no_op ? ' (no-op)' : ''}`}`));
  assert.match(html, /<img src="\/docs\/lifecycle.svg" width="\d+" height="\d+" alt="State diagram of the payment lifecycle: [^"]+">/);
});

test('the lifecycle page and the API reference link each other, with nothing inline', () => {
  const reference = read('api/index.html');
  assert.match(reference, /<a href="\/docs\/lifecycle\/">/);
  assert.match(html, /<a href="\/docs\/api\/">/);
  assert.doesNotMatch(html, /<script|<style|\sstyle=|\son[a-z]+=/i);
  // Presentation attributes only: a <style> would be blocked if the SVG is opened on its own.
  assert.doesNotMatch(svg, /<style|\sstyle=|<script|\son[a-z]+=/i);
});
