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

  /**
   * Kassa.init({ nextUrl }) where nextUrl is the payment's `_links.next_url.href`, created
   * by the merchant's server. Returns a checkout with mount(element), pay(), on(event, fn).
   */
  function init(options) {
    if (!options || typeof options.nextUrl !== 'string') throw new TypeError('Kassa.init: nextUrl is required');
    var next = new URL(options.nextUrl);
    var parts = next.pathname.split('/');
    if (parts.length !== 3 || parts[1] !== 'secure' || !parts[2]) throw new TypeError('Kassa.init: nextUrl is not a Kassa payment link');
    var gateway = next.origin;
    var channel = randomId();
    var handlers = {};
    var iframe = null;
    var pending = [];
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
      if (data.type === 'success' || data.type === 'failure' || data.type === 'invalid') {
        var waiting = pending; pending = [];
        waiting.forEach(function (p) { p({ type: data.type, status: data.status, code: data.code, paymentId: data.payment_id }); });
      }
      if (EVENTS.indexOf(data.type) >= 0) emit(data.type, detail);
    });

    return {
      mount: function (element) {
        if (typeof element === 'string') element = document.querySelector(element);
        if (!element) throw new TypeError('Kassa: mount needs an element');
        if (iframe) throw new Error('Kassa: already mounted');
        iframe = document.createElement('iframe');
        iframe.src = gateway + '/embed/' + encodeURIComponent(parts[2]) +
          '?origin=' + encodeURIComponent(location.origin) + '&channel=' + channel;
        iframe.title = options.title || 'Card details';
        iframe.setAttribute('allow', 'payment');
        iframe.style.border = '0';
        iframe.style.width = '100%';
        iframe.style.minHeight = '22rem';
        element.appendChild(iframe);
        return this;
      },
      /** Asks the iframe to validate, seal and pay. Resolves with { type, status, code }. */
      pay: function () {
        if (!iframe) return Promise.reject(new Error('Kassa: mount first'));
        return new Promise(function (resolve) {
          pending.push(resolve);
          iframe.contentWindow.postMessage({ kassa: 1, channel: channel, type: 'pay' }, gateway);
        });
      },
      on: function (name, fn) {
        if (!handlers[name]) throw new TypeError('Kassa: unknown event ' + name);
        handlers[name].push(fn);
        return this;
      },
    };
  }

  window.Kassa = Object.freeze({ version: 1, init: init });
})();
