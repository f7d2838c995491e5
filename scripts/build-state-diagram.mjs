#!/usr/bin/env node
// Draws the payment lifecycle from kassa-core's transition table (`make build-docs`, after
// `make build-core-js`):
//
//   dist/public/docs/lifecycle.svg          the state diagram
//   dist/public/docs/lifecycle/index.html   the page: the diagram, then the same data as tables
//
// The data is `kassa_core::payment::table::lifecycle()` through tests/core-js/pkg: every status
// with its GOV.UK Pay state and every legal row of `payment::next`, found by asking `next`
// itself. Nothing here names a status or an input, so the picture cannot drift from the code.
//
// The layout is a small Sugiyama-style layered drawing, no dependencies:
//   1. back edges: a depth-first search from `created` (in the table's order) marks the edges
//      that close a cycle; they are laid out reversed and drawn with the arrow at the start;
//   2. ranks: the longest path from `created` over the remaining edges. Each rank is doubled so
//      that every edge has a rank of its own in between, where its label sits as a box: labels
//      are laid out like states, so nothing can overlap;
//   3. order within ranks: barycentre sweeps and adjacent swaps, keeping the fewest crossings;
//   4. x: each rank's boxes are pulled towards their neighbours' average, keeping their order
//      and the gaps between them (a weighted isotonic regression per rank, solved exactly).
// Text widths are estimated from monospace advance widths (the labels are monospace), with
// margin to spare for wider fonts.
//
// The SVG is styled with presentation attributes only (no <style>), so it renders the same
// under the docs pages' `style-src 'self'` when opened on its own.
//
//   node scripts/build-state-diagram.mjs [--out dist/public]
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { esc, table } from './docs-html.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const { values: opts } = parseArgs({
  options: { out: { type: 'string', default: join(ROOT, 'dist/public') } },
});

const require = createRequire(import.meta.url);
let core;
try {
  core = require(join(ROOT, 'tests/core-js/pkg/kassa_core_js.js'));
} catch (err) {
  console.error(`build-state-diagram: tests/core-js/pkg is missing or stale (run make build-core-js): ${err.message}`);
  process.exit(1);
}
const lifecycle = JSON.parse(core.payment_lifecycle());

// --- Text --------------------------------------------------------------------------------


const MONO = "ui-monospace, Menlo, Consolas, 'DejaVu Sans Mono', 'Liberation Mono', monospace";
const SANS = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif";
// Advance width per em: 0.6 for the usual monospace fonts, sans text is narrower still.
const textWidth = (text, size) => text.length * size * 0.62;

const DC_NOTE = { only: 'delayed capture', never: 'immediate capture' };
const externalText = (s) => (s.code ? `${s.external_status} · ${s.code}` : s.external_status);

// GOV.UK Design System colours: a light fill (black text on it passes AA by far) and a dark
// border of the same hue. A status GOV.UK Pay adds later gets grey until it is given one.
const COLOURS = {
  created: { fill: '#f3f2f1', stroke: '#505a5f' },
  started: { fill: '#d2e2f1', stroke: '#1d70b8' },
  submitted: { fill: '#dbd5e9', stroke: '#4c2c92' },
  capturable: { fill: '#fff2a8', stroke: '#8a6d00' },
  success: { fill: '#cce2d8', stroke: '#00703c' },
  failed: { fill: '#f6d7d2', stroke: '#aa2a16' },
  cancelled: { fill: '#fbe3d1', stroke: '#b35a00' },
  error: { fill: '#ebd4e4', stroke: '#801650' },
};
const colour = (external) => COLOURS[external] ?? { fill: '#ffffff', stroke: '#505a5f' };
const EDGE = '#3b4044';

// --- The graph ---------------------------------------------------------------------------

/** States, and the table's rows merged per (from, to) pair, no-ops left out. */
function graph({ statuses, rows }) {
  const index = new Map(statuses.map((s, i) => [s.name, i]));
  const edges = [];
  const byPair = new Map();
  for (const row of rows.filter((r) => !r.no_op)) {
    const key = `${row.from}\u0000${row.to}`;
    let edge = byPair.get(key);
    if (!edge) {
      edge = { from: row.from, to: row.to, u: index.get(row.from), v: index.get(row.to), rows: [] };
      byPair.set(key, edge);
      edges.push(edge);
    }
    edge.rows.push(row);
  }
  for (const e of edges) {
    // One line per input; an input legal for both capture modes with different events is
    // still one line.
    const modes = new Map();
    for (const r of e.rows) modes.set(r.input, [...(modes.get(r.input) ?? []), r.delayed_capture]);
    e.lines = [...modes].map(([input, dcs]) => (dcs.includes('any') || (dcs.includes('only') && dcs.includes('never'))
      ? input : `${input} (${DC_NOTE[dcs[0]]})`));
    e.delayedOnly = e.rows.every((r) => r.delayed_capture === 'only');
  }
  return { nodes: statuses, edges };
}

// --- Layout ------------------------------------------------------------------------------

const NODE_H = 46;
const NODE_PAD = 28;
const TITLE_SIZE = 13;
const SUB_SIZE = 12;
const LABEL_SIZE = 11;
const LABEL_LINE = 14;
const LABEL_PAD_X = 7;
const LABEL_PAD_Y = 5;
const GAP_Y = 28; // between bands, room for the curves
const GAP_MAX = 80;
const GAP_SLOPE = 0.18;
const MARGIN = 24;
const LOOP = 22; // how far a self-loop reaches out of its box

function separation(a, b) {
  const gap = a.kind === 'node' && b.kind === 'node' ? 36 : (a.kind === 'dummy' && b.kind === 'dummy' ? 10 : 18);
  return a.w / 2 + b.w / 2 + gap;
}

/** Marks back edges by a depth-first search from the first status, then from any not yet seen. */
function markBackEdges(n, edges) {
  const out = Array.from({ length: n }, () => []);
  for (const e of edges) if (e.u !== e.v) out[e.u].push(e);
  const state = new Array(n).fill(0); // 0 unseen, 1 on the stack, 2 done
  const visit = (u) => {
    state[u] = 1;
    for (const e of out[u]) {
      if (state[e.v] === 1) e.back = true;
      else if (state[e.v] === 0) visit(e.v);
    }
    state[u] = 2;
  };
  for (let i = 0; i < n; i += 1) if (state[i] === 0) visit(i);
}

/** Longest-path ranks over the edges as laid out (back edges reversed). */
function ranks(n, edges) {
  const rank = new Array(n).fill(0);
  const indeg = new Array(n).fill(0);
  const out = Array.from({ length: n }, () => []);
  for (const e of edges.filter((x) => x.u !== x.v)) {
    const [a, b] = e.back ? [e.v, e.u] : [e.u, e.v];
    out[a].push(b);
    indeg[b] += 1;
  }
  const queue = [...Array(n).keys()].filter((i) => indeg[i] === 0);
  while (queue.length) {
    const a = queue.shift();
    for (const b of out[a]) {
      rank[b] = Math.max(rank[b], rank[a] + 1);
      indeg[b] -= 1;
      if (indeg[b] === 0) queue.push(b);
    }
  }
  return rank;
}

function crossingsBetween(upper, lower, pos) {
  const segs = [];
  for (const v of upper) for (const w of v.down) segs.push([pos.get(v), pos.get(w)]);
  let c = 0;
  for (let i = 0; i < segs.length; i += 1) {
    for (let j = i + 1; j < segs.length; j += 1) {
      if ((segs[i][0] - segs[j][0]) * (segs[i][1] - segs[j][1]) < 0) c += 1;
    }
  }
  return c;
}

function totalCrossings(layers) {
  const pos = positions(layers);
  let c = 0;
  for (let i = 0; i + 1 < layers.length; i += 1) c += crossingsBetween(layers[i], layers[i + 1], pos);
  return c;
}

function positions(layers) {
  const pos = new Map();
  for (const layer of layers) layer.forEach((v, i) => pos.set(v, i));
  return pos;
}

/** Barycentre sweeps with adjacent swaps; returns the ordering with the fewest crossings. */
function order(layers) {
  let best = layers.map((l) => [...l]);
  let bestCrossings = totalCrossings(best);
  let current = layers.map((l) => [...l]);
  for (let iter = 0; iter < 24 && bestCrossings > 0; iter += 1) {
    const down = iter % 2 === 0;
    const range = down ? [...current.keys()].slice(1) : [...current.keys()].reverse().slice(1);
    for (const i of range) {
      const pos = positions(current);
      const fixed = down ? 'up' : 'down';
      const bary = new Map(current[i].map((v, k) => {
        const ns = v[fixed];
        return [v, ns.length ? ns.reduce((s, w) => s + pos.get(w), 0) / ns.length : k];
      }));
      current[i] = [...current[i]].sort((a, b) => bary.get(a) - bary.get(b) || pos.get(a) - pos.get(b));
    }
    transpose(current);
    const c = totalCrossings(current);
    if (c < bestCrossings) {
      best = current.map((l) => [...l]);
      bestCrossings = c;
    }
  }
  return best;
}

/** Swaps neighbours within a rank while that removes crossings with the ranks around it. */
function transpose(layers) {
  const local = (i) => {
    const pos = positions(layers);
    return (i > 0 ? crossingsBetween(layers[i - 1], layers[i], pos) : 0)
      + (i + 1 < layers.length ? crossingsBetween(layers[i], layers[i + 1], pos) : 0);
  };
  for (let improved = true, rounds = 0; improved && rounds < 10; rounds += 1) {
    improved = false;
    for (let i = 0; i < layers.length; i += 1) {
      for (let k = 0; k + 1 < layers[i].length; k += 1) {
        const before = local(i);
        [layers[i][k], layers[i][k + 1]] = [layers[i][k + 1], layers[i][k]];
        if (local(i) < before) improved = true;
        else [layers[i][k], layers[i][k + 1]] = [layers[i][k + 1], layers[i][k]];
      }
    }
  }
}

/**
 * Places one rank: minimises Σ weight·(x − desired)² keeping the order and the separations.
 * With y_k = x_k − offset_k (offset = the separations summed so far) the constraints become
 * y_1 ≤ y_2 ≤ …, a weighted isotonic regression: pool adjacent violators.
 */
function placeRank(layer, desired, weight) {
  const offset = [0];
  for (let k = 1; k < layer.length; k += 1) offset.push(offset[k - 1] + separation(layer[k - 1], layer[k]));
  const blocks = [];
  layer.forEach((v, k) => {
    blocks.push({ value: desired[k] - offset[k], weight: weight[k], count: 1 });
    while (blocks.length > 1 && blocks[blocks.length - 2].value > blocks[blocks.length - 1].value) {
      const b = blocks.pop();
      const a = blocks.pop();
      const w = a.weight + b.weight;
      blocks.push({ value: (a.value * a.weight + b.value * b.weight) / w, weight: w, count: a.count + b.count });
    }
  });
  let k = 0;
  for (const b of blocks) {
    for (let j = 0; j < b.count; j += 1, k += 1) layer[k].x = b.value + offset[k];
  }
}

// Straight long edges read better than straight short ones: segments between dummies pull
// hardest, as in Graphviz's network-simplex weights.
// A state is pulled most by its short edges (to the next rank): they are the main flow, and
// a state hanging over them beats one dragged sideways by a long cancel or expiry edge.
function pull(a, b) {
  if (a.kind !== 'node' && b.kind !== 'node') return 24;
  const inner = a.kind === 'node' ? b : a;
  if (inner.kind === 'node') return 1;
  return inner.edge.chain.length === 3 ? 6 : 1;
}

/**
 * Lines up the labels and dummies of each long edge on one x where their neighbours in
 * each rank leave room for it, so a long edge is one straight run instead of a snake.
 */
function straighten(layers, edges) {
  const pos = positions(layers);
  for (let round = 0; round < 4; round += 1) {
    for (const e of edges) {
      const inner = (e.chain ?? []).slice(1, -1);
      if (inner.length < 2) continue;
      let lo = -Infinity;
      let hi = Infinity;
      for (const v of inner) {
        const layer = layers[v.rank];
        const k = pos.get(v);
        if (k > 0) lo = Math.max(lo, layer[k - 1].x + separation(layer[k - 1], v));
        if (k + 1 < layer.length) hi = Math.min(hi, layer[k + 1].x - separation(v, layer[k + 1]));
      }
      if (lo > hi) continue;
      const xs = inner.map((v) => v.x).sort((a, b) => a - b);
      const target = Math.min(hi, Math.max(lo, xs[Math.floor(xs.length / 2)]));
      for (const v of inner) v.x = target;
    }
  }
}

function assignX(layers) {
  for (const layer of layers) {
    let x = 0;
    layer.forEach((v, k) => {
      if (k) x += separation(layer[k - 1], v);
      v.x = x;
    });
  }
  const pass = (dirs, sequence) => {
    for (const i of sequence) {
      const layer = layers[i];
      const desired = [];
      const weight = [];
      for (const v of layer) {
        const ns = dirs.flatMap((d) => v[d]);
        const w = ns.reduce((s, n) => s + pull(v, n), 0);
        desired.push(w ? ns.reduce((s, n) => s + pull(v, n) * n.x, 0) / w : v.x);
        weight.push(w || 0.01);
      }
      placeRank(layer, desired, weight);
    }
  };
  const idx = [...layers.keys()];
  for (let iter = 0; iter < 40; iter += 1) {
    pass(['up'], idx);
    pass(['down'], [...idx].reverse());
  }
  for (let iter = 0; iter < 10; iter += 1) pass(['up', 'down'], iter % 2 ? [...idx].reverse() : idx);
}

function layout(g) {
  const { nodes, edges } = g;
  markBackEdges(nodes.length, edges);
  const rank = ranks(nodes.length, edges);

  const vertices = nodes.map((s, i) => {
    const sub = externalText(s);
    const w = Math.ceil(Math.max(textWidth(s.name, TITLE_SIZE), textWidth(sub, SUB_SIZE)) + NODE_PAD);
    return { kind: 'node', status: s, sub, i, rank: 2 * rank[i], w, boxW: w, h: NODE_H, up: [], down: [] };
  });
  const labelBox = (lines) => ({
    w: Math.ceil(Math.max(...lines.map((l) => textWidth(l, LABEL_SIZE))) + 2 * LABEL_PAD_X),
    h: lines.length * LABEL_LINE + 2 * LABEL_PAD_Y,
  });

  for (const e of edges) {
    if (e.u === e.v) {
      // A self-loop with an event: drawn beside its box, which is widened to make room.
      const node = vertices[e.u];
      const box = labelBox(e.lines);
      node.loops = [...(node.loops ?? []), { edge: e, ...box }];
      node.w = node.boxW + LOOP + 8 + Math.max(...node.loops.map((l) => l.w));
      node.h = Math.max(node.h, node.loops.reduce((s, l) => s + l.h + 6, 0));
      continue;
    }
    const [a, b] = e.back ? [vertices[e.v], vertices[e.u]] : [vertices[e.u], vertices[e.v]];
    const odd = [];
    for (let r = a.rank + 1; r < b.rank; r += 2) odd.push(r);
    // The label sits next to the state the edge leaves (the lower end of a back edge), so
    // a state's ways out read together.
    const box = labelBox(e.lines);
    const labelRank = e.back ? odd[odd.length - 1] : odd[0];
    const chain = [a];
    for (let r = a.rank + 1; r < b.rank; r += 1) {
      const v = r === labelRank
        ? { kind: 'label', edge: e, rank: r, ...box, up: [], down: [] }
        : { kind: 'dummy', edge: e, rank: r, w: 8, h: 0, up: [], down: [] };
      vertices.push(v);
      chain.push(v);
    }
    chain.push(b);
    for (let k = 0; k + 1 < chain.length; k += 1) {
      chain[k].down.push(chain[k + 1]);
      chain[k + 1].up.push(chain[k]);
    }
    e.chain = chain;
  }

  // Initial order: depth first from the first status along the laid-out edges, so the
  // table's order (and so the code's) decides ties.
  const maxRank = Math.max(...vertices.map((v) => v.rank));
  const layers = Array.from({ length: maxRank + 1 }, () => []);
  const seen = new Set();
  const visit = (v) => {
    if (seen.has(v)) return;
    seen.add(v);
    layers[v.rank].push(v);
    for (const w of v.down) visit(w);
  };
  vertices.filter((v) => v.kind === 'node').forEach(visit);
  vertices.forEach(visit);

  const ordered = order(layers);
  assignX(ordered);
  straighten(ordered, edges);

  // Bands: each rank is as tall as its tallest box; curves live in the gaps between.
  // A gap is taller where its lines travel further sideways, so they stay steep enough to
  // tell apart.
  let y = 0;
  const bands = ordered.map((layer) => {
    const h = Math.max(0, ...layer.map((v) => v.h));
    const travel = Math.max(0, ...layer.flatMap((v) => v.down.map((w) => Math.abs(w.x - v.x))));
    const band = { top: y, bottom: y + h };
    y += h + Math.min(GAP_MAX, Math.max(GAP_Y, travel * GAP_SLOPE));
    return band;
  });
  const minX = Math.min(...vertices.map((v) => v.x - v.w / 2));
  const maxX = Math.max(...vertices.map((v) => v.x + v.w / 2));
  // Mirrored if need be so that the first status is in the left half: a reader (and a
  // scrolled figure) starts at the top left.
  const mirror = vertices[0].x - minX > (maxX - minX) / 2;
  for (const v of vertices) {
    v.x = mirror ? maxX - v.x : v.x - minX;
    const band = bands[v.rank];
    v.y = (band.top + band.bottom) / 2;
    // A node's box sits left in its slot when self-loops take the right of it.
    v.cx = v.kind === 'node' ? v.x - (v.w - v.boxW) / 2 : v.x;
  }

  // Ports: the edges leaving a box's top or bottom spread along it in the order of where
  // they go, so they neither cross at the box nor share an arrowhead.
  for (const v of vertices.filter((x) => x.kind === 'node')) {
    for (const dir of ['up', 'down']) {
      const ns = [...v[dir]].sort((p, q) => p.cx - q.cx);
      const step = Math.min(18, (v.boxW - 24) / Math.max(1, ns.length));
      v[`${dir}Port`] = new Map(ns.map((n, k) => [n, v.cx + (k - (ns.length - 1) / 2) * step]));
    }
  }
  return { vertices, edges, bands, width: maxX - minX, height: bands.length ? bands[bands.length - 1].bottom : 0 };
}

// --- Drawing -----------------------------------------------------------------------------

const f = (n) => Number(n.toFixed(1));

/** The path of an edge in laid-out direction: down through its chain. */
function edgePath(e, bands) {
  const { chain } = e;
  // Through labels and dummies the line runs straight down the whole band, so it bends only
  // in the gaps between bands, where there are no boxes.
  const top = (v) => (v.kind === 'node' ? v.y - NODE_H / 2 : bands[v.rank].top);
  const bottom = (v) => (v.kind === 'node' ? v.y + NODE_H / 2 : bands[v.rank].bottom);
  const xOut = (v, next) => (v.kind === 'node' ? v.downPort.get(next) : v.cx);
  const xIn = (v, prev) => (v.kind === 'node' ? v.upPort.get(prev) : v.cx);
  let x = xOut(chain[0], chain[1]);
  let y = bottom(chain[0]);
  const d = [`M${f(x)},${f(y)}`];
  for (let k = 1; k < chain.length; k += 1) {
    const v = chain[k];
    const x2 = xIn(v, chain[k - 1]);
    const y2 = top(v);
    const g = (y2 - y) / 2;
    d.push(`C${f(x)},${f(y + g)} ${f(x2)},${f(y2 - g)} ${f(x2)},${f(y2)}`);
    x = x2;
    y = y2;
    if (k + 1 < chain.length) {
      y = bottom(v);
      d.push(`L${f(x)},${f(y)}`);
    }
  }
  return d.join(' ');
}

const edgeId = (e) => `edge-${e.from}--${e.to}`;
const edgeTitle = (e) => `${e.from} → ${e.to}: ${e.lines.join(', ')}`;

function labelSvg(x, y, w, h, lines) {
  const left = x - w / 2;
  const top = y - h / 2;
  return `<rect class="label" x="${f(left)}" y="${f(top)}" width="${w}" height="${h}" rx="4" fill="#ffffff" stroke="#b1b4b6" stroke-width="1"/>
${lines.map((l, k) => `<text x="${f(left + LABEL_PAD_X)}" y="${f(top + LABEL_PAD_Y + (k + 1) * LABEL_LINE - 3.5)}" font-family="${MONO}" font-size="${LABEL_SIZE}" fill="#0b0c0c">${esc(l)}</text>`).join('\n')}`;
}

function legend(statuses, width) {
  const out = [];
  let y = 0;
  const row = (heading, items) => {
    out.push(`<text x="0" y="${y + 12}" font-family="${SANS}" font-size="12" font-weight="700" fill="#0b0c0c">${esc(heading)}</text>`);
    const start = Math.ceil(textWidth(heading, 12) * 1.05) + 10;
    let x = start;
    for (const it of items) {
      const w = 24 + textWidth(it.text, 12) + 16;
      if (x + w > width && x > start) {
        x = start;
        y += 22;
      }
      out.push(it.mark(x, y));
      out.push(`<text x="${f(x + 24)}" y="${y + 12}" font-family="${it.mono ? MONO : SANS}" font-size="12" fill="#0b0c0c">${esc(it.text)}</text>`);
      x += w;
    }
    y += 24;
  };
  const box = (c) => (x, yy) => `<rect x="${f(x)}" y="${yy}" width="18" height="14" rx="3" fill="${c.fill}" stroke="${c.stroke}" stroke-width="1.5"/>`;
  row('GOV.UK Pay status:', [...new Set(statuses.map((s) => s.external_status))]
    .map((x) => ({ text: x, mono: true, mark: box(colour(x)) })));
  row('Also:', [
    {
      text: 'finished (double border)',
      mark: (x, yy) => `${box({ fill: '#ffffff', stroke: '#505a5f' })(x, yy)}<rect x="${f(x + 2.5)}" y="${yy + 2.5}" width="13" height="9" rx="1.5" fill="none" stroke="#505a5f" stroke-width="1"/>`,
    },
    {
      text: 'delayed-capture payments only (dashed)',
      mark: (x, yy) => `<path d="M${f(x)},${yy + 7} h18" stroke="${EDGE}" stroke-width="1.5" stroke-dasharray="5 3" fill="none"/>`,
    },
    {
      text: 'idempotent no-ops are left out (see the table)',
      mark: (x, yy) => `<path d="M${f(x)},${yy + 7} h16" stroke="${EDGE}" stroke-width="1.4" fill="none" marker-end="url(#arrow)"/>`,
    },
  ]);
  return { svg: out.join('\n'), height: y - 10 };
}

function svg(g, l) {
  const width = Math.ceil(Math.max(l.width, 720) + 2 * MARGIN);
  const key = legend(g.nodes, width - 2 * MARGIN);
  const top = MARGIN + key.height + 28;
  const height = Math.ceil(top + l.height + MARGIN);
  const shift = `translate(${MARGIN + f((width - 2 * MARGIN - l.width) / 2)},${top})`;

  const edges = l.edges.filter((e) => e.chain).map((e) => {
    const marker = e.back ? 'marker-start="url(#arrow)"' : 'marker-end="url(#arrow)"';
    return `<g id="${esc(edgeId(e))}" class="edge"><title>${esc(edgeTitle(e))}</title>
<path d="${edgePath(e, l.bands)}" fill="none" stroke="${EDGE}" stroke-width="1.4"${e.delayedOnly ? ' stroke-dasharray="6 4"' : ''} ${marker}/>
</g>`;
  });
  const labels = l.vertices.filter((v) => v.kind === 'label')
    .map((v) => `<g class="edge-label" data-edge="${esc(edgeId(v.edge))}">${labelSvg(v.cx, v.y, v.w, v.h, v.edge.lines)}</g>`);
  const nodes = l.vertices.filter((v) => v.kind === 'node').map((v) => {
    const s = v.status;
    const c = colour(s.external_status);
    const x = v.cx - v.boxW / 2;
    const y = v.y - NODE_H / 2;
    const inner = s.finished
      ? `\n<rect x="${f(x + 3.5)}" y="${f(y + 3.5)}" width="${v.boxW - 7}" height="${NODE_H - 7}" rx="7" fill="none" stroke="${c.stroke}" stroke-width="1.2"/>` : '';
    const loops = (v.loops ?? []).map((loop, k) => {
      const yy = y + 10 + k * 14;
      const right = x + v.boxW;
      return `<g id="${esc(edgeId(loop.edge))}" class="edge"><title>${esc(edgeTitle(loop.edge))}</title>
<path d="M${f(right)},${f(yy)} C${f(right + LOOP)},${f(yy - 6)} ${f(right + LOOP)},${f(yy + 22)} ${f(right)},${f(yy + 16)}" fill="none" stroke="${EDGE}" stroke-width="1.4" marker-end="url(#arrow)"/>
${labelSvg(right + LOOP + 8 + loop.w / 2, yy + 8, loop.w, loop.h, loop.edge.lines)}</g>`;
    }).join('\n');
    return `<g id="status-${esc(s.name)}" class="status"><title>${esc(`${s.name}: GOV.UK Pay ${externalText(s)}${s.finished ? ', finished' : ''}`)}</title>
<rect class="box" x="${f(x)}" y="${f(y)}" width="${v.boxW}" height="${NODE_H}" rx="10" fill="${c.fill}" stroke="${c.stroke}" stroke-width="${s.finished ? 2 : 1.6}"/>${inner}
<text x="${f(v.cx)}" y="${f(v.y - 3)}" text-anchor="middle" font-family="${MONO}" font-size="${TITLE_SIZE}" font-weight="700" fill="#0b0c0c">${esc(s.name)}</text>
<text x="${f(v.cx)}" y="${f(v.y + 14)}" text-anchor="middle" font-family="${SANS}" font-size="${SUB_SIZE}" fill="#0b0c0c">${esc(v.sub)}</text>
${loops}</g>`;
  });

  return {
    width,
    height,
    text: `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="title desc">
<title id="title">Kassa's payment lifecycle</title>
<desc id="desc">Generated from kassa-core's transition table (payment::next): ${g.nodes.length} statuses, each with the GOV.UK Pay status it shows, and ${g.edges.length} transitions labelled by their inputs. Idempotent no-ops are left out. The same data is tabulated at /docs/lifecycle/.</desc>
<defs>
<marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" markerUnits="userSpaceOnUse" orient="auto-start-reverse">
<path d="M0,0 L10,5 L0,10 z" fill="${EDGE}"/>
</marker>
</defs>
<rect width="100%" height="100%" fill="#ffffff"/>
<g transform="translate(${MARGIN},${MARGIN})">
${key.svg}
</g>
<g transform="${shift}">
${edges.join('\n')}
${labels.join('\n')}
${nodes.join('\n')}
</g>
</svg>
`,
  };
}

// --- The page ----------------------------------------------------------------------------

function page(g, picture) {
  const { statuses, rows } = lifecycle;
  const dc = { any: 'any', only: 'delayed capture only', never: 'immediate capture only' };
  const cell = (v) => `<code>${esc(v)}</code>`;
  const statusRows = statuses.map((s) => `<tr><th scope="row">${cell(s.name)}</th><td>${cell(s.external_status)}</td><td>${s.code ? cell(s.code) : '<span class="none">none</span>'}</td><td>${s.finished ? 'yes' : 'no'}</td></tr>`).join('\n');
  const rowRows = rows.map((r) => `<tr${r.no_op ? ' class="no-op"' : ''}><th scope="row">${cell(r.from)}</th><td>${cell(r.input)}</td><td>${esc(dc[r.delayed_capture] ?? r.delayed_capture)}</td><td>${cell(r.to)}</td><td>${r.event ? cell(r.event) : `<span class="none">none${r.no_op ? ' (no-op)' : ''}</span>`}</td></tr>`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Payment lifecycle – Kassa</title>
<link rel="stylesheet" href="/assets/kassa.css">
<link rel="stylesheet" href="/assets/api-docs.css">
<link rel="icon" href="data:,">
</head>
<body>
<a class="skip-link" href="#main">Skip to main content</a>
<header class="header"><span class="header__brand">Kassa</span></header>
<main id="main" class="main api-docs lifecycle">
<p><a href="/docs/api/">API reference</a></p>
<h1>Payment lifecycle</h1>
<p>Every status a payment can be in, and every step between them, drawn at build time from
kassa-core's transition table (<code>payment::next</code>), so the picture is the code. Kassa's
internal statuses are finer than GOV.UK Pay's: each box shows the internal name and, below it,
the <code>state.status</code> (and <code>state.code</code>) the <a href="/docs/api/">API</a> shows
for it. Arrows are labelled with the inputs that take them: payer actions, service API calls,
provider answers and timers.</p>
<figure class="lifecycle-figure">
<div class="figure-wrap" role="region" aria-label="Payment lifecycle diagram" tabindex="0">
<img src="/docs/lifecycle.svg" width="${picture.width}" height="${picture.height}" alt="State diagram of the payment lifecycle: ${statuses.length} statuses and ${g.edges.length} transitions between them. The tables below hold the same data.">
</div>
<figcaption>Double borders mark finished statuses; dashed arrows hold for delayed-capture payments only.
Idempotent no-ops (a reload, a repeated <code>/capture</code>) are left out of the picture and listed below.
<a href="/docs/lifecycle.svg">Open the diagram on its own</a>.</figcaption>
</figure>
<h2 id="statuses">Statuses</h2>
${table('Payment statuses and the GOV.UK Pay state each one shows', ['Status', 'GOV.UK Pay status', 'Code', 'Finished'], statusRows)}
<h2 id="transitions">Transitions</h2>
<p>Every legal row of the transition table. An input not listed for a status is refused
(for <code>/cancel</code> and <code>/capture</code>: 409 <code>P0502</code> and
<code>P1003</code>).</p>
${table('Transitions: status, input, capture mode, next status and the event appended', ['From', 'Input', 'Delayed capture', 'To', 'Event'], rowRows)}
</main>
</body>
</html>
`;
}

const g = graph(lifecycle);
const picture = svg(g, layout(g));
const svgFile = join(opts.out, 'docs/lifecycle.svg');
const pageFile = join(opts.out, 'docs/lifecycle/index.html');
for (const file of [svgFile, pageFile]) mkdirSync(dirname(file), { recursive: true });
writeFileSync(svgFile, picture.text);
writeFileSync(pageFile, page(g, picture));
console.log(`Lifecycle: ${g.nodes.length} statuses, ${g.edges.length} edges (${lifecycle.rows.length} rows) → ${svgFile.replace(`${ROOT}/`, '')}, ${pageFile.replace(`${ROOT}/`, '')}`);
