// A payer's browser without JavaScript: follows next_url, keeps the session cookie, and
// posts the hosted forms exactly as a browser submits them. For 3-D Secure it follows the
// page's link to the provider, presses a button on the provider's challenge page and
// follows the provider's redirect back (the gateway's cookie goes to the gateway only).
import { BASE } from './api.mjs';

export class Payer {
  /** @param {{base?: string}} opts the gateway, if not the one the layer started */
  constructor({ base = BASE } = {}) { this.cookies = new Map(); this.base = base; }

  /** The `Cookie` header this browser sends. */
  cookieHeader() { return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '); }

  /** Whether `url` is on the gateway (relative, or under its base). */
  own(url) { return !/^https?:/.test(url) || url === this.base || url.startsWith(`${this.base}/`); }

  async request(url, { method = 'GET', form } = {}) {
    const headers = {};
    const own = this.own(url);
    if (own && this.cookies.size) headers.Cookie = this.cookieHeader();
    let body;
    if (form) {
      body = new URLSearchParams(form).toString();
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
    }
    const res = await fetch(url.startsWith('http') ? url : `${this.base}${url}`, { method, headers, body, redirect: 'manual' });
    for (const c of own ? res.headers.getSetCookie() : []) {
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
      if (!this.own(res.location)) return res;
      res = await this.request(res.location);
    }
    return res;
  }

  /** The link a page waiting for 3-D Secure leads the payer on with (HTML-decoded). */
  static continueLink(html) {
    const href = /<a\b[^>]*\bid="continue-to-provider"[^>]*\bhref="([^"]+)"|<a\b[^>]*\bhref="([^"]+)"[^>]*\bid="continue-to-provider"/.exec(html);
    const raw = href?.[1] ?? href?.[2];
    return raw && raw.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
  }

  /**
   * 3-D Secure on the provider's page: follows `page`'s continue-to-provider link (what its
   * script does, or the payer's click without JavaScript), presses the challenge page's
   * button labelled `button`, and follows the provider's redirect back into the gateway.
   * Returns the gateway's answer there (a page, or the redirect to an outside return_url),
   * with the provider's steps as `challenge` (the page) and `back` (its redirect).
   */
  async authenticate(page, button = 'Complete authentication') {
    const link = Payer.continueLink(page.html);
    if (!link) throw new Error(`no continue-to-provider link on the page:\n${page.html}`);
    const challenge = await this.request(link);
    if (challenge.status !== 200) throw new Error(`challenge page: ${challenge.status}`);
    const formMatch = /<form\b[^>]*method="post"[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/i.exec(challenge.html);
    if (!formMatch) throw new Error(`no form on the challenge page:\n${challenge.html}`);
    const pressed = [...formMatch[2].matchAll(/<button\b([^>]*)>([^<]*)<\/button>/g)].find(([, , label]) => label.trim() === button);
    if (!pressed) throw new Error(`no "${button}" button on the challenge page`);
    const name = /\bname="([^"]+)"/.exec(pressed[1])?.[1];
    const value = /\bvalue="([^"]*)"/.exec(pressed[1])?.[1] ?? '';
    const action = new URL(formMatch[1].replace(/&amp;/g, '&'), link).href;
    const back = await this.request(action, { method: 'POST', form: name ? { [name]: value } : {} });
    if (back.status !== 303 && back.status !== 302) throw new Error(`the challenge answered ${back.status}, not a redirect`);
    const returned = await this.go(new URL(back.location, action).href);
    return { ...returned, challenge, back };
  }

  /** Posts the confirm page's form; returns the redirect (to return_url). */
  async confirm(page) {
    const confirmAction = /action="([^"]+\/confirm)"/.exec(page.html)?.[1];
    if (!confirmAction) throw new Error(`not a confirm page:\n${page.html}`);
    return this.request(confirmAction, { method: 'POST', form: { csrf: Payer.csrf(page.html) } });
  }

  static csrf(html) { return /name="csrf" value="([0-9a-f]+)"/.exec(html)?.[1]; }
  static action(html, id) { return new RegExp(`<form method="post" action="([^"]+)"[^>]*${id ? `id="${id}"` : ''}`).exec(html)?.[1]; }

  /**
   * Opens next_url and pays with `number` (as `name`, the name on the card); returns the
   * final response (redirect to return_url).
   */
  async pay(nextUrl, number, { confirm = true, name = 'Mx Test Payer' } = {}) {
    const form = await this.go(nextUrl);
    const action = /action="([^"]+\/card)"/.exec(form.html)[1];
    const page = await this.go(action, {
      method: 'POST',
      form: { csrf: Payer.csrf(form.html), 'card-no': number, 'expiry-date': '12/30', cvc: number.startsWith('37') ? '1234' : '123', 'cardholder-name': name },
    });
    if (!confirm || !/action="([^"]+\/confirm)"/.test(page.html)) return page;
    return this.confirm(page);
  }
}
