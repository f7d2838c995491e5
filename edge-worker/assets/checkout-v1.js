/*! Kassa embedded checkout loader, v1. This file's content never changes within v1, so it
 * can be pinned with Subresource Integrity. Card details are typed into an iframe on the
 * gateway's origin; this page only ever receives states and the card brand. */
(function () {
  'use strict';
  if (window.Kassa) return;
  var EVENTS = ['ready', 'change', 'success', 'failure', 'resize'];

  function randomId() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join('');
  }

  // The gateway this file was loaded from: tokenize mode's iframe comes from there too.
  var SCRIPT = document.currentScript && document.currentScript.src;

  /**
   * Kassa.init({ nextUrl }) where nextUrl is the payment's `_links.next_url.href`, created
   * by the merchant's server: mount(element), pay(), on(event, fn).
   * Kassa.init({ publishableKey, gateway?, language? }): mount(element), tokenize() for a
   * sealed card the merchant's server then pays with (`sealed_card`), on(event, fn).
   */
  function init(options) {
    if (!options) throw new TypeError('Kassa.init: options are required');
    var tokenizing = typeof options.publishableKey === 'string';
    var gateway, src;
    if (tokenizing) {
      if (!/^pk_(test|live)_[a-z0-9]+$/.test(options.publishableKey)) throw new TypeError('Kassa.init: publishableKey is not a Kassa publishable key');
      if (!options.gateway && !SCRIPT) throw new TypeError('Kassa.init: gateway is required');
      gateway = new URL(options.gateway || SCRIPT).origin;
      src = '/embed/tokenize/' + options.publishableKey;
    } else {
      if (typeof options.nextUrl !== 'string') throw new TypeError('Kassa.init: nextUrl or publishableKey is required');
      var next = new URL(options.nextUrl);
      var parts = next.pathname.split('/');
      if (parts.length !== 3 || parts[1] !== 'secure' || !parts[2]) throw new TypeError('Kassa.init: nextUrl is not a Kassa payment link');
      gateway = next.origin;
      src = '/embed/' + encodeURIComponent(parts[2]);
    }
    var channel = randomId();
    var handlers = {};
    var iframe = null;
    var pending = [];
    // Requests made before the form is ready wait for it: a message to a frame that has
    // not loaded the gateway's page yet would be dropped by the browser.
    var ready = false;
    var queued = [];
    function send(type) { iframe.contentWindow.postMessage({ kassa: 1, channel: channel, type: type }, gateway); }
    EVENTS.forEach(function (name) { handlers[name] = []; });

    function emit(name, detail) {
      (handlers[name] || []).forEach(function (fn) { try { fn(detail); } catch (e) { setTimeout(function () { throw e; }); } });
    }

    window.addEventListener('message', function (event) {
      // Only the gateway's own frame, on this mount's channel, is listened to.
      if (!iframe || event.origin !== gateway || event.source !== iframe.contentWindow) return;
      var data = event.data;
      if (!data || data.kassa !== 1 || data.channel !== channel) return;
      var detail = { status: data.status, code: data.code, paymentId: data.payment_id, brand: data.brand, height: data.height };
      if (data.type === 'resize' && typeof data.height === 'number') iframe.style.height = data.height + 'px';
      if (data.type === 'ready') { ready = true; queued.splice(0).forEach(send); }
      if (data.type === 'success' || data.type === 'failure' || data.type === 'invalid' || data.type === 'token' ||
          data.type === 'processing') {
        var result = data.type === 'token' ? { token: data.token, brand: data.brand }
          : { type: data.type, status: data.status, code: data.code, paymentId: data.payment_id };
        var waiting = pending; pending = [];
        waiting.forEach(function (p) { p(result); });
      }
      if (EVENTS.indexOf(data.type) >= 0) emit(data.type, detail);
    });

    function ask(type, allowed) {
      if (!allowed) return Promise.reject(new Error('Kassa: ' + type + '() needs ' + (tokenizing ? 'nextUrl' : 'publishableKey')));
      if (!iframe) return Promise.reject(new Error('Kassa: mount first'));
      return new Promise(function (resolve) {
        pending.push(resolve);
        if (ready) send(type); else queued.push(type);
      });
    }

    return {
      mount: function (element) {
        if (typeof element === 'string') element = document.querySelector(element);
        if (!element) throw new TypeError('Kassa: mount needs an element');
        if (iframe) throw new Error('Kassa: already mounted');
        iframe = document.createElement('iframe');
        iframe.src = gateway + src + '?origin=' + encodeURIComponent(location.origin) + '&channel=' + channel +
          (options.language ? '&language=' + encodeURIComponent(options.language) : '');
        iframe.title = options.title || 'Card details';
        iframe.setAttribute('allow', 'payment');
        iframe.style.border = '0';
        iframe.style.width = '100%';
        iframe.style.minHeight = '22rem';
        element.appendChild(iframe);
        return this;
      },
      /** Asks the iframe to validate, seal and pay. Resolves with { type, status, code, paymentId };
       * type 'processing': the provider's answer is not known yet (ask your server later). */
      pay: function () { return ask('pay', !tokenizing); },
      /** Asks the iframe to validate and seal. Resolves with { token, brand } or { type: 'invalid' }. */
      tokenize: function () { return ask('tokenize', tokenizing); },
      on: function (name, fn) {
        if (!handlers[name]) throw new TypeError('Kassa: unknown event ' + name);
        handlers[name].push(fn);
        return this;
      },
    };
  }

  window.Kassa = Object.freeze({ version: 1, init: init });
})();
