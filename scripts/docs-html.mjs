// The HTML pieces Kassa's generated docs pages share (scripts/build-api-docs.mjs and
// scripts/build-state-diagram.mjs), so both pages escape and lay out tables the same way.

/** Escapes text for HTML element content and double-quoted attributes. */
export const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
}[c]));

/** A captioned table in a scrollable, focusable region (readable on narrow screens). */
export function table(caption, headings, body) {
  return `<div class="table-wrap" role="region" aria-label="${esc(caption)}" tabindex="0">
<table class="fields">
<caption>${esc(caption)}</caption>
<thead><tr>${headings.map((h) => `<th scope="col">${h}</th>`).join('')}</tr></thead>
<tbody>
${body}
</tbody>
</table>
</div>`;
}
