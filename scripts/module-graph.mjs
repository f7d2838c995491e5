// The module graph of a crate: which module uses which, read from `use` items and inline
// `crate::`/`super::`/`self::` paths (comments and strings ignored).
//
//   node scripts/module-graph.mjs edge-worker/src     prints "module: modules it uses"
//   node scripts/module-graph.mjs --check             fails on a cycle in edge-worker/src or
//                                                     checkout-widget/src, or on an account
//                                                     module using one of a higher layer
//
// The account object's layers, lowest first (ARCHITECTURE.md): store, object, context, ops,
// handlers, then `account` itself (the Durable Object's fetch and alarm).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.rs') ? [join(dir, e.name)] : [],
  );
}

/** `a::{b, c::{d}}` → [`a::b`, `a::c::d`]; `x as y` keeps `x`. */
function expand(tree) {
  const open = tree.indexOf('{');
  if (open < 0) return [tree];
  const prefix = tree.slice(0, open);
  const inner = tree.slice(open + 1, tree.lastIndexOf('}'));
  const parts = [];
  let depth = 0;
  let cur = '';
  for (const ch of inner) {
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
      continue;
    }
    if (ch === '{') depth++;
    if (ch === '}') depth--;
    cur += ch;
  }
  parts.push(cur);
  return parts.filter((p) => p.trim()).flatMap((p) => expand(p.trim()).map((e) => prefix + e));
}

export function moduleGraph(root) {
  const mods = new Map();
  for (const path of files(root)) {
    let segs = relative(root, path).slice(0, -3).split(sep);
    if (segs.at(-1) === 'mod') segs = segs.slice(0, -1);
    if (segs.join() === 'lib' || segs.join() === 'main') segs = [];
    mods.set(segs.join('::'), path);
  }
  const graph = new Map();
  for (const [name, path] of mods) {
    const self = name ? name.split('::') : [];
    const src = readFileSync(path, 'utf8')
      .replace(/\/\/[^\n]*/g, '')
      .replace(/"(\\.|[^"\\])*"/g, '""');
    const paths = [];
    for (const m of src.matchAll(/\buse\s+([^;]+);/g)) {
      const tree = m[1].replace(/\s+as\s+\w+/g, '').replace(/\s+/g, '');
      paths.push(...expand(tree));
    }
    paths.push(...(src.replace(/\buse\s+[^;]+;/g, '').match(/\b(?:crate|super|self)(?:::\w+)+/g) ?? []));
    const children = [...mods.keys()]
      .map((k) => (k ? k.split('::') : []))
      .filter((k) => k.length === self.length + 1 && k.slice(0, -1).join('::') === name)
      .map((k) => k.at(-1));
    const deps = new Set();
    for (const child of children) {
      if (new RegExp(`(?<![:\\w])${child}::`).test(src)) deps.add([...self, child].join('::'));
    }
    for (const p of paths) {
      let segs = p.split('::');
      let cur;
      if (segs[0] === 'crate') {
        cur = [];
        segs = segs.slice(1);
      } else if (segs[0] === 'super' || segs[0] === 'self') {
        cur = [...self];
        while (segs[0] === 'super' || segs[0] === 'self') {
          if (segs[0] === 'super') cur.pop();
          segs = segs.slice(1);
        }
      } else if (children.includes(segs[0])) {
        cur = [...self];
      } else {
        continue;
      }
      // A parent's own items (`super::Account`) are a use of the parent module.
      let best = cur.length && mods.has(cur.join('::')) ? cur.join('::') : null;
      for (const s of segs) {
        cur.push(s);
        if (mods.has(cur.join('::'))) best = cur.join('::');
        else break;
      }
      if (best && best !== name) deps.add(best);
    }
    graph.set(name || 'lib', [...deps].sort());
  }
  return new Map([...graph].sort(([a], [b]) => a.localeCompare(b)));
}

/** Strongly connected components with more than one module: the cycles. */
export function cycles(graph) {
  const index = new Map();
  const low = new Map();
  const stack = [];
  const on = new Set();
  const out = [];
  let n = 0;
  const visit = (v) => {
    index.set(v, n);
    low.set(v, n++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) {
        low.set(v, Math.min(low.get(v), index.get(w)));
      }
    }
    if (low.get(v) === index.get(v)) {
      const comp = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1) out.push(comp);
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

const LAYERS = ['account::store', 'account::object', 'account::context', 'account::ops', 'account::handlers'];

function layer(module) {
  if (module === 'account') return LAYERS.length;
  const i = LAYERS.findIndex((l) => module === l || module.startsWith(`${l}::`));
  return i < 0 ? null : i;
}

/** Edges from an account module to a module of a higher layer. */
export function upward(graph) {
  const out = [];
  for (const [from, deps] of graph) {
    for (const to of deps) {
      const [a, b] = [layer(from), layer(to)];
      if (a !== null && b !== null && b > a) out.push(`${from} -> ${to}`);
    }
  }
  return out;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split(sep).pop())) {
  const args = process.argv.slice(2);
  if (args[0] === '--check') {
    let failed = false;
    for (const root of ['edge-worker/src', 'checkout-widget/src']) {
      const graph = moduleGraph(root);
      for (const c of cycles(graph)) {
        console.error(`${root}: module cycle: ${c.join(' <-> ')}`);
        failed = true;
      }
      for (const e of upward(graph)) {
        console.error(`${root}: a lower layer uses a higher one: ${e}`);
        failed = true;
      }
    }
    if (failed) process.exit(1);
    console.log('module graph: no cycles, no upward uses');
  } else {
    for (const [m, deps] of moduleGraph(args[0] ?? 'edge-worker/src')) {
      console.log(`${m}: ${deps.join(', ') || '-'}`);
    }
  }
}
