// A payer's browser without JavaScript: follows next_url, keeps the session cookie, and
// posts the hosted forms exactly as a browser submits them.
import { BASE } from './api.mjs';

export class Payer {
  /** @param {{base?: string}} opts the gateway, if not the one the layer started */
  constructor({ base = BASE } = {}) { this.cookies = new Map(); this.base = base; }

  /** The `Cookie` header this browser sends. */
  cookieHeader() { return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '); }

  async request(url, { method = 'GET', form } = {}) {
    const headers = {};
    if (this.cookies.size) headers.Cookie = this.cookieHeader();
    let body;
    if (form) {
      body = new URLSearchParams(form).toString();
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
    }
    const res = await fetch(url.startsWith('http') ? url : `${this.base}${url}`, { method, headers, body, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const [k, v] = pair.split('=');
      this.cookies.set(k, v);
    }
    return { status: res.status, location: res.headers.get('location'), html: await res.text(), headers: res.headers };
  }

  /** Follows redirects within the gateway; stops at the first page or an outside URL. */
  async go(url, opts) {
    let res = await this.request(url, opts);
    while (res.status === 303 || res.status === 302) {
      if (!res.location.startsWith('/') && !res.location.startsWith(this.base)) return res;
      res = await this.request(res.location);
    }
    return res;
  }

  static csrf(html) { return /name="csrf" value="([0-9a-f]+)"/.exec(html)?.[1]; }
  static action(html, id) { return new RegExp(`<form method="post" action="([^"]+)"[^>]*${id ? `id="${id}"` : ''}`).exec(html)?.[1]; }

  /** Opens next_url and pays with `number`; returns the final response (redirect to return_url). */
  async pay(nextUrl, number, { confirm = true } = {}) {
    const form = await this.go(nextUrl);
    const action = /action="([^"]+\/card)"/.exec(form.html)[1];
    const page = await this.go(action, {
      method: 'POST',
      form: { csrf: Payer.csrf(form.html), 'card-no': number, 'expiry-date': '12/30', cvc: number.startsWith('37') ? '1234' : '123', 'cardholder-name': 'Mx Test Payer' },
    });
    if (!confirm || !/action="([^"]+\/confirm)"/.test(page.html)) return page;
    const confirmAction = /action="([^"]+\/confirm)"/.exec(page.html)[1];
    return this.request(confirmAction, { method: 'POST', form: { csrf: Payer.csrf(page.html) } });
  }
}
