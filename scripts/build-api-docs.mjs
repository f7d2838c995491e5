#!/usr/bin/env node
// Builds Kassa's API reference from api/openapi.json (`make build-docs`, part of `make build`):
//
//   dist/public/docs/api/index.html   the reference page, served at /docs/api/
//   dist/public/v1/openapi.json       the document itself, served at /v1/openapi.json
//
// The page links to the payment lifecycle (/docs/lifecycle/, scripts/build-state-diagram.mjs).
//
// Both are Workers static assets. The page is plain HTML styled by /assets/kassa.css and
// /assets/api-docs.css: no inline style or script, so it renders under the strict CSP of
// every Kassa page. No dependencies: the document is small and its shape is known, so a
// few hundred lines of string building beat pulling in a renderer and its supply chain.
//
//   node scripts/build-api-docs.mjs [--spec api/openapi.json] [--out dist/public]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { esc, table } from './docs-html.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const { values: opts } = parseArgs({
  options: {
    spec: { type: 'string', default: join(ROOT, 'api/openapi.json') },
    out: { type: 'string', default: join(ROOT, 'dist/public') },
  },
});

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const source = readFileSync(opts.spec, 'utf8');
const doc = JSON.parse(source);

// --- Text --------------------------------------------------------------------------------


/**
 * The Markdown the document's descriptions use, inline only: `code`, [links](url),
 * **bold**, and the `<br>` GOV.UK Pay's descriptions contain. Everything else stays text.
 * Links go only to http(s), relative or in-page addresses.
 */
function inline(text = '') {
  return esc(text)
    .replace(/&lt;br\s*\/?&gt;/g, '<br>')
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
    .replace(/\[([^\]]+)\]\(((?:https?:\/\/|\/|#)[^)\s]*)\)/g, '<a href="$2">$1</a>');
}
const paragraphs = (text = '') => text.split(/\n{2,}/).filter((p) => p.trim())
  .map((p) => `<p>${inline(p.trim())}</p>`).join('\n');

const slug = (s) => String(s).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
const opAnchor = (op) => `op-${slug(op.operationId)}`;
const schemaAnchor = (name) => `schema-${slug(name)}`;
const refName = (ref) => ref.split('/').pop();

/** Follows a local `$ref` to what it names. */
function deref(node) {
  let n = node;
  for (let i = 0; n?.$ref && i < 10; i += 1) {
    n = n.$ref.replace(/^#\//, '').split('/').reduce((acc, key) => acc?.[key], doc);
  }
  return n;
}

// --- Schemas -----------------------------------------------------------------------------

/** "string", "integer (int32)", "array of Link", with schema names linked. */
function typeLabel(schema) {
  if (!schema) return '';
  if (schema.$ref) {
    const name = refName(schema.$ref);
    return `<a href="#${schemaAnchor(name)}">${esc(name)}</a>`;
  }
  if (schema.type === 'array') return `array of ${typeLabel(schema.items) || 'any'}`;
  if (schema.type === 'object' && schema.additionalProperties && !schema.properties) {
    const values = schema.additionalProperties === true ? 'any' : typeLabel(schema.additionalProperties);
    return `object (${values} values)`;
  }
  return esc(`${schema.type ?? 'any'}${schema.format ? ` (${schema.format})` : ''}`);
}

/** The rules a value must follow, as short phrases. */
function constraints(schema) {
  const s = schema?.$ref ? {} : (schema ?? {});
  const out = [];
  const items = s.type === 'array' && s.items && !s.items.$ref ? s.items : null;
  const values = s.enum ?? items?.enum;
  if (values) out.push(`one of ${values.map((v) => `<code>${esc(JSON.stringify(v))}</code>`).join(', ')}`);
  const range = (lo, hi, unit) => {
    if (lo !== undefined && hi !== undefined) out.push(`${lo} to ${hi}${unit}`);
    else if (lo !== undefined) out.push(`at least ${lo}${unit}`);
    else if (hi !== undefined) out.push(`at most ${hi}${unit}`);
  };
  range(s.minLength, s.maxLength, ' characters');
  range(s.minimum, s.maximum, '');
  range(s.minItems, s.maxItems, ' items');
  range(s.minProperties, s.maxProperties, ' attributes');
  for (const p of [s.pattern, items?.pattern]) if (p) out.push(`matches <code>${esc(p)}</code>`);
  if (s.uniqueItems) out.push('no duplicates');
  if (s.nullable) out.push('may be <code>null</code>');
  if (s.default !== undefined) out.push(`default <code>${esc(JSON.stringify(s.default))}</code>`);
  if (s.readOnly) out.push('read-only');
  if (s.writeOnly) out.push('write-only: never returned');
  return out;
}

/**
 * Field rows for an object schema. `flatten` inlines nested objects as dotted names (for
 * request bodies, where a reader wants every field at hand); otherwise nested schemas are
 * links to their own table.
 */
function fieldRows(schema, { flatten = false, prefix = '', depth = 0, seen = new Set() } = {}) {
  const s = deref(schema);
  if (!s?.properties) return [];
  const required = new Set(s.required ?? []);
  const rows = [];
  for (const [name, raw] of Object.entries(s.properties)) {
    const prop = raw;
    const target = deref(prop);
    const nested = flatten && target?.properties && depth < 4 && !seen.has(prop.$ref);
    rows.push({
      name: prefix + name,
      type: nested ? 'object' : typeLabel(prop),
      required: required.has(name),
      description: [inline(target?.description ?? ''), ...constraints(prop.$ref ? {} : prop)
        .map((c) => `<span class="constraint">${c}</span>`)].filter(Boolean).join('<br>'),
      example: prop.example ?? (prop.$ref ? undefined : target?.example),
    });
    if (nested) {
      rows.push(...fieldRows(prop, {
        flatten, prefix: `${prefix}${name}.`, depth: depth + 1, seen: new Set([...seen, prop.$ref]),
      }));
    }
  }
  return rows;
}

function fieldsTable(rows, caption) {
  if (!rows.length) return '';
  const body = rows.map((r) => `<tr><th scope="row"><code>${esc(r.name)}</code>${r.required
    ? ' <strong class="required">required</strong>' : ''}</th><td>${r.type}</td><td>${r.description}${
    r.example !== undefined ? `<br><span class="example">Example: <code>${esc(JSON.stringify(r.example))}</code></span>` : ''
  }</td></tr>`).join('\n');
  return table(caption, ['Field', 'Type', 'Description'], body);
}

/** An example value built from the schema's own examples (for requests, no read-only fields). */
function exampleFor(schema, { forRequest = false, depth = 0, seen = new Set() } = {}) {
  if (!schema || depth > 8) return undefined;
  if (schema.example !== undefined) return schema.example;
  if (schema.$ref) {
    if (seen.has(schema.$ref)) return undefined;
    return exampleFor(deref(schema), { forRequest, depth: depth + 1, seen: new Set([...seen, schema.$ref]) });
  }
  if (schema.enum) return schema.enum[0];
  if (schema.properties) {
    const out = {};
    for (const [name, prop] of Object.entries(schema.properties)) {
      const target = deref(prop);
      if (forRequest ? target?.readOnly : target?.writeOnly) continue;
      const value = exampleFor(prop, { forRequest, depth: depth + 1, seen });
      if (value !== undefined) out[name] = value;
    }
    return out;
  }
  if (schema.type === 'array') {
    const item = exampleFor(schema.items, { forRequest, depth: depth + 1, seen });
    return item === undefined ? [] : [item];
  }
  return { string: 'string', integer: 0, number: 0, boolean: false }[schema.type];
}

const pre = (value, label) => `<pre tabindex="0" aria-label="${esc(label)}"><code>${esc(JSON.stringify(value, null, 2))}</code></pre>`;

// --- Operations --------------------------------------------------------------------------

const operations = [];
for (const [path, item] of Object.entries(doc.paths)) {
  for (const method of METHODS) {
    if (item[method]) operations.push({ path, method, op: item[method], shared: item.parameters ?? [] });
  }
}
const byId = new Map(operations.map((o) => [o.op.operationId, o]));

function authText(op) {
  const security = op.security ?? doc.security ?? [];
  if (!security.length) return 'None.';
  return security.map((req) => Object.keys(req).map((name) => {
    const scheme = doc.components.securitySchemes[name];
    return `<code>${esc(name)}</code>: ${inline(scheme?.description ?? '')}`;
  }).join(' and ')).join(' Or ');
}

function parametersSection({ op, shared, path, method }) {
  const params = [...shared, ...(op.parameters ?? [])].map(deref);
  if (!params.length) return '';
  const body = params.map((p) => {
    const rules = constraints(p.schema).map((c) => `<span class="constraint">${c}</span>`);
    const example = p.example ?? p.schema?.example;
    return `<tr><th scope="row"><code>${esc(p.name)}</code>${p.required ? ' <strong class="required">required</strong>' : ''}</th>`
      + `<td>${esc(p.in)}</td><td>${typeLabel(p.schema)}</td><td>${[inline(p.description ?? ''), ...rules].filter(Boolean).join('<br>')}${
        example !== undefined ? `<br><span class="example">Example: <code>${esc(example)}</code></span>` : ''}</td></tr>`;
  }).join('\n');
  return `<h4>Parameters</h4>\n${table(`Parameters of ${method.toUpperCase()} ${path}`, ['Name', 'In', 'Type', 'Description'], body)}`;
}

function requestSection({ op, path, method }) {
  const body = deref(op.requestBody);
  if (!body) return '';
  const [mediaType, media] = Object.entries(body.content ?? {})[0] ?? [];
  const schema = media?.schema;
  const name = schema?.$ref ? refName(schema.$ref) : null;
  const example = media?.example ?? exampleFor(schema, { forRequest: true });
  return `<h4>Request body</h4>
<p><code>${esc(mediaType)}</code>${name ? `, a <a href="#${schemaAnchor(name)}">${esc(name)}</a>` : ''}${body.required ? ' (required)' : ''}.
${inline(deref(schema)?.description ?? '')}</p>
${fieldsTable(fieldRows(schema, { flatten: true }), `Request body fields of ${method.toUpperCase()} ${path}`)}
${example !== undefined ? `<p>Example request body:</p>\n${pre(example, `Example request body of ${method.toUpperCase()} ${path}`)}` : ''}`;
}

function responsesSection({ op, path, method }) {
  const rows = [];
  let example = null;
  for (const [status, raw] of Object.entries(op.responses)) {
    const r = deref(raw);
    const [, media] = Object.entries(r.content ?? {})[0] ?? [];
    const headers = Object.entries(r.headers ?? {}).map(([h, def]) => `<code>${esc(h)}</code>: ${inline(deref(def)?.description ?? '')}`);
    const codes = (r['x-error-codes'] ?? []).map((c) => `<li><code>${esc(c.code)}</code> ${inline(c.description)}</li>`);
    rows.push(`<tr><th scope="row">${esc(status)}</th><td>${inline(r.description ?? '')}${
      codes.length ? `<ul class="error-codes" aria-label="Error codes">${codes.join('')}</ul>` : ''}${
      headers.length ? `<p class="headers">Headers: ${headers.join('<br>')}</p>` : ''}</td><td>${
      media?.schema ? typeLabel(media.schema) : '<span class="none">no body</span>'}</td></tr>`);
    if (!example && status.startsWith('2') && media?.schema) {
      example = { status, value: media.example ?? exampleFor(media.schema) };
    }
  }
  const links = Object.values(op.responses).flatMap((r) => Object.entries(deref(r).links ?? {}))
    .filter(([, l]) => byId.has(l.operationId))
    .map(([, l]) => {
      const target = byId.get(l.operationId);
      return `<li><a href="#${opAnchor(target.op)}">${esc(target.op.summary ?? l.operationId)}</a>: ${inline(l.description ?? '')}</li>`;
    });
  return `<h4>Responses</h4>
${table(`Responses of ${method.toUpperCase()} ${path}`, ['Status', 'Meaning and error codes', 'Body'], rows.join('\n'))}
${example ? `<p>Example <code>${esc(example.status)}</code> response body:</p>\n${pre(example.value, `Example ${example.status} response of ${method.toUpperCase()} ${path}`)}` : ''}
${links.length ? `<h4>Next</h4>\n<ul class="links">${links.join('\n')}</ul>` : ''}`;
}

function operationSection(o) {
  const { op, path, method } = o;
  return `<section class="operation" id="${opAnchor(op)}" aria-labelledby="${opAnchor(op)}-title">
<h3 id="${opAnchor(op)}-title"><span class="method method--${method}">${method.toUpperCase()}</span> <code class="path">${esc(path)}</code></h3>
<p class="summary">${inline(op.summary ?? op.operationId)}</p>
${paragraphs(op.description ?? '')}
<p class="auth"><strong>Authentication:</strong> ${authText(op)}</p>
${parametersSection(o)}
${requestSection(o)}
${responsesSection(o)}
</section>`;
}

// --- The page ----------------------------------------------------------------------------

const tags = [...(doc.tags ?? [])];
for (const { op } of operations) {
  for (const t of op.tags ?? ['Other']) if (!tags.some((x) => x.name === t)) tags.push({ name: t });
}
const grouped = tags.map((t) => ({ ...t, ops: operations.filter(({ op }) => (op.tags ?? ['Other'])[0] === t.name) }))
  .filter((t) => t.ops.length);

const toc = grouped.map((t) => `<li><a href="#tag-${slug(t.name)}">${esc(t.name)}</a>
<ul>${t.ops.map(({ op, method, path }) => `<li><a href="#${opAnchor(op)}"><span class="method method--${method}">${method.toUpperCase()}</span> <code>${esc(path)}</code></a> ${esc(op.summary ?? '')}</li>`).join('\n')}</ul></li>`).join('\n');

const tagSections = grouped.map((t) => `<section class="tag" id="tag-${slug(t.name)}" aria-labelledby="tag-${slug(t.name)}-title">
<h2 id="tag-${slug(t.name)}-title">${esc(t.name)}</h2>
${paragraphs(t.description ?? '')}
${t.ops.map(operationSection).join('\n')}
</section>`).join('\n');

const schemaSections = Object.entries(doc.components?.schemas ?? {}).map(([name, schema]) => {
  const rows = fieldRows(schema);
  const rules = constraints(schema);
  return `<section class="schema" id="${schemaAnchor(name)}" aria-labelledby="${schemaAnchor(name)}-title">
<h3 id="${schemaAnchor(name)}-title"><code>${esc(name)}</code></h3>
${paragraphs(schema.description ?? '')}
${rows.length ? fieldsTable(rows, `Fields of ${name}`) : `<p>${typeLabel(schema)}${rules.length ? `: ${rules.join(', ')}` : ''}.</p>`}
</section>`;
}).join('\n');

const title = `${doc.info.title} ${doc.info.version}`;
const html = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} – Kassa</title>
<link rel="stylesheet" href="/assets/kassa.css">
<link rel="stylesheet" href="/assets/api-docs.css">
<link rel="icon" href="data:,">
</head>
<body>
<a class="skip-link" href="#main">Skip to main content</a>
<header class="header"><span class="header__brand">Kassa</span></header>
<main id="main" class="main api-docs">
<h1>${esc(doc.info.title)} <span class="version">${esc(doc.info.version)}</span></h1>
${paragraphs(doc.info.description ?? '')}
<p>The machine-readable document: <a href="/v1/openapi.json"><code>/v1/openapi.json</code></a> (OpenAPI ${esc(doc.openapi)}).
Paths are relative to the gateway's own address.</p>
<p>How a payment's <code>state</code> changes, and what each step is called:
<a href="/docs/lifecycle/">the payment lifecycle</a>, drawn from Kassa's transition table.</p>
<nav class="toc" aria-labelledby="toc-title">
<h2 id="toc-title">Contents</h2>
<ul>
${toc}
<li><a href="#schemas">Schemas</a></li>
</ul>
</nav>
${tagSections}
<section class="schemas" id="schemas" aria-labelledby="schemas-title">
<h2 id="schemas-title">Schemas</h2>
${schemaSections}
</section>
</main>
</body>
</html>
`;

const page = join(opts.out, 'docs/api/index.html');
const published = join(opts.out, 'v1/openapi.json');
for (const file of [page, published]) mkdirSync(dirname(file), { recursive: true });
writeFileSync(page, html);
writeFileSync(published, source);
console.log(`API reference: ${operations.length} operations → ${page.replace(`${ROOT}/`, '')}, ${published.replace(`${ROOT}/`, '')}`);
