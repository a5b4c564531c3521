/// The browser tracker served at `GET /sdk/attune.js`: hand-written JavaScript with no build step.
///
/// Kept in the binary as a string rather than a SwiftPM resource so that the `attune` executable
/// is self-contained: a copied or installed binary has no resource bundle beside it to find.
/// The script's own header comment shows how a page loads it.
package enum TrackerScript {
    package static let source = #"""
/*! Attune tracker: events from web pages to an Attune server. Hand-written, no dependencies.
 * <script src="https://attune.example/sdk/attune.js"></script>
 * <script>attune.init({key: "PUBLIC_WRITE_KEY"});</script> */
(function (w, d) {
  'use strict';
  if (w.attune && w.attune.version) return;
  var P = 'attune.';
  var THRESHOLDS = [25, 50, 75, 100];
  var DEFAULTS = {
    endpoint: '', key: '', flushInterval: 5000, batchSize: 50, maxQueue: 500, retryBase: 1000, retryMax: 60000,
    jitter: 0.2, sessionTimeout: 30 * 60 * 1000, pageViews: true, clicks: true, links: false, forms: true,
    scroll: true, video: true, requireConsent: false, now: function () { return Date.now(); }
  };
  var script = d.currentScript;
  var cfg = null, queue = [], sending = false, attempt = 0, retryTimer = null, flushTimer = null;
  var user = null, consent = null, depths = {}, stats = {dropped: 0, sent: 0, attempts: []};

  // Storage: localStorage, or a first-party cookie for the small values when it is unavailable
  // (private modes, disabled storage). The queue lives only in localStorage.
  function get(k) {
    try { var v = w.localStorage.getItem(P + k); if (v !== null) return v; } catch (e) { /* unavailable */ }
    var m = d.cookie.match(new RegExp('(?:^|; )attune_' + k + '=([^;]*)'));
    return m ? decodeURIComponent(m[1]) : null;
  }
  function set(k, v, cookie) {
    try { w.localStorage.setItem(P + k, v); return true; } catch (e) { /* full or unavailable */ }
    if (cookie) d.cookie = 'attune_' + k + '=' + encodeURIComponent(v) + '; path=/; max-age=31536000; SameSite=Lax';
    return false;
  }
  function del(k) {
    try { w.localStorage.removeItem(P + k); } catch (e) { /* unavailable */ }
    d.cookie = 'attune_' + k + '=; path=/; max-age=0';
  }
  function json(text) { try { return JSON.parse(text); } catch (e) { return null; } }

  function uuid() {
    var c = w.crypto, b = new Uint8Array(16), h = [], i;
    if (c && c.randomUUID) return c.randomUUID();
    if (c && c.getRandomValues) c.getRandomValues(b); else for (i = 0; i < 16; i++) b[i] = Math.random() * 256 | 0;
    b[6] = b[6] & 15 | 64; b[8] = b[8] & 63 | 128;
    for (i = 0; i < 16; i++) h.push((b[i] + 256).toString(16).slice(1));
    return h.slice(0, 4).join('') + '-' + h.slice(4, 6).join('') + '-' + h.slice(6, 8).join('') + '-' +
      h.slice(8, 10).join('') + '-' + h.slice(10).join('');
  }
  // The server takes context strings of at most 2048 bytes of UTF-8.
  function clip(s, n) {
    s = String(s == null ? '' : s);
    n = n || 2048;
    // A lone surrogate cannot be encoded (and the server refuses it).
    try { encodeURIComponent(s); } catch (e) { s = s.replace(/[\uD800-\uDFFF]/g, '\uFFFD'); }
    while (unescape(encodeURIComponent(s)).length > n) s = s.slice(0, Math.floor(s.length * 0.9)).replace(/[\uD800-\uDBFF]$/, '');
    return s;
  }

  function anonymousId() {
    var id = get('anonymousId');
    if (!id) { id = uuid(); set('anonymousId', id, true); }
    return id;
  }
  // A session ends after `sessionTimeout` without activity; any event counts as activity.
  function sessionId() {
    var now = cfg.now(), s = json(get('session'));
    if (!s || typeof s.id !== 'string' || typeof s.last !== 'number' || now - s.last > cfg.sessionTimeout || now < s.last - 6e4) {
      s = {id: uuid(), start: now};
    }
    s.last = now;
    set('session', JSON.stringify(s), true);
    return s.id;
  }
  function allowed() {
    if (consent && consent.analytics === false) return false;
    return !cfg.requireConsent || !!(consent && consent.analytics);
  }

  // The outbox: events ('e', sent in batches), identify ('i') and consent ('c') calls, in order.
  // Every event carries a client-made id, so a batch sent twice is stored once.
  // Each tab keeps its queue under its own key (the tab id lives in sessionStorage, so a reload
  // finds it again): two tabs never overwrite each other's unsent events.
  var queueKey = 'queue', adopted = false;
  function save() {
    if (!queue.length) { try { w.localStorage.removeItem(P + queueKey); } catch (e) { /* unavailable */ } return; }
    if (!set(queueKey, JSON.stringify(queue), false)) {
      // Over quota: keep the newer half rather than nothing.
      queue = queue.slice(Math.floor(queue.length / 2));
      set(queueKey, JSON.stringify(queue), false);
    }
  }
  // Takes over the queues other tabs left (closed, or reloaded without sessionStorage). A tab
  // that is still open writes its own again on its next change; events then sent by both are
  // stored once, as each has its id.
  function adopt() {
    if (adopted) return;
    adopted = true;
    var tab = null, keys = [], have = {}, i;
    try { tab = w.sessionStorage.getItem(P + 'tab'); } catch (e) { /* unavailable */ }
    if (!tab) { tab = uuid(); try { w.sessionStorage.setItem(P + 'tab', tab); } catch (e) { /* per page then */ } }
    queueKey = 'queue.' + tab;
    try {
      for (i = 0; i < w.localStorage.length; i++) {
        var k = w.localStorage.key(i);
        if (k && k.indexOf(P + 'queue') === 0) keys.push(k.slice(P.length));
      }
    } catch (e) { return; }
    keys.sort(function (a, b) { return a === queueKey ? -1 : b === queueKey ? 1 : 0; });
    for (i = 0; i < keys.length; i++) {
      var items = json(get(keys[i]));
      if (keys[i] !== queueKey) del(keys[i]);
      if (!items || !items.length) continue;
      for (var j = 0; j < items.length; j++) {
        var x = items[j];
        if (x && x.id && x.b && (x.k === 'e' || x.m) && !have[x.id]) { have[x.id] = true; queue.push(x); }
      }
    }
    while (queue.length > cfg.maxQueue) { queue.shift(); stats.dropped++; }
    if (keys.length) save();
  }
  function enqueue(item) {
    queue.push(item);
    while (queue.length > cfg.maxQueue) { queue.shift(); stats.dropped++; }
    save();
    if (queue.length >= cfg.batchSize) flush();
  }
  function backoff(n) {
    var base = Math.min(cfg.retryMax, cfg.retryBase * Math.pow(2, Math.max(0, n - 1)));
    return Math.round(base * (1 - cfg.jitter * Math.random()));
  }
  function url(path) { return cfg.endpoint + path; }
  function headers() { return {'Authorization': 'Bearer ' + cfg.key, 'Content-Type': 'application/json'}; }

  function next() {
    if (!queue.length) return null;
    var first = queue[0];
    if (first.k !== 'e') return {items: [first], method: first.m, path: first.p, body: first.b};
    var items = [], events = [], size = 0;
    for (var i = 0; i < queue.length && queue[i].k === 'e' && items.length < cfg.batchSize; i++) {
      // Characters, not bytes: 256 Ki stays under the server's 1 MiB even in three-byte UTF-8.
      size += JSON.stringify(queue[i].b).length;
      if (items.length && size > 256 * 1024) break;
      items.push(queue[i]); events.push(queue[i].b);
    }
    return {items: items, method: 'POST', path: '/v1/events', body: {batch: events}};
  }
  function remove(items) {
    var gone = {};
    for (var i = 0; i < items.length; i++) gone[items[i].id] = true;
    queue = queue.filter(function (x) { return !gone[x.id]; });
    save();
  }
  function flush() {
    if (!cfg || sending || retryTimer || !queue.length || !w.fetch) return;
    if (w.navigator.onLine === false) return;
    var req = next();
    sending = true;
    stats.attempts.push(cfg.now());
    if (stats.attempts.length > 50) stats.attempts.shift();
    w.fetch(url(req.path), {
      method: req.method, headers: headers(), body: JSON.stringify(req.body), credentials: 'omit', mode: 'cors'
    }).then(function (r) { done(req, r.status, r.headers.get('Retry-After')); },
      function () { done(req, 0, null); });
  }
  function done(req, status, retryAfter) {
    sending = false;
    if (status >= 200 && status < 300) {
      attempt = 0; stats.sent += req.items.length; remove(req.items);
      if (queue.length) setTimeout(flush, 0);
      return;
    }
    if (status === 0 || status === 408 || status === 429 || status >= 500) {
      attempt++;
      var wait = backoff(attempt), after = parseInt(retryAfter, 10);
      if (after > 0) wait = Math.min(cfg.retryMax, Math.max(wait, after * 1000));
      retryTimer = setTimeout(function () { retryTimer = null; flush(); }, wait);
      return;
    }
    // A request the server refuses as such (bad key, invalid payload) would be refused forever.
    if (w.console) w.console.warn('attune: ' + req.method + ' ' + req.path + ' refused with ' + status + '; dropped');
    attempt = 0; remove(req.items);
    if (queue.length) setTimeout(flush, 0);
  }
  // When the page is hidden it may never run again: hand queued events to the browser, which
  // sends them after the page is gone. They stay queued; if they did arrive, the next send is
  // counted as a duplicate by the server and stored once.
  function beacon() {
    if (!cfg || !w.navigator.sendBeacon) return;
    var events = [], size = 0, target = url('/v1/events?key=' + encodeURIComponent(cfg.key));
    function send() {
      // A Blob without a type has no Content-Type: no preflight, and the server reads JSON.
      if (events.length) w.navigator.sendBeacon(target, new Blob([JSON.stringify({batch: events})]));
      events = []; size = 0;
    }
    for (var i = 0; i < queue.length; i++) {
      if (queue[i].k !== 'e') continue;
      var n = JSON.stringify(queue[i].b).length;
      if (size + n > 60000 || events.length >= cfg.batchSize) send();
      events.push(queue[i].b); size += n;
    }
    send();
  }

  function context() {
    var c = {pageUrl: clip(w.location.href), userAgent: clip(w.navigator.userAgent)};
    if (d.referrer) c.referrer = clip(d.referrer);
    if (w.navigator.language) c.locale = clip(w.navigator.language, 64);
    return c;
  }
  function track(type, props, options) {
    if (!cfg) throw new Error('attune: call attune.init first');
    if (!allowed()) return null;
    var e = {id: uuid(), type: String(type), anonymousId: anonymousId(), sessionId: sessionId(), timestamp: cfg.now(), context: context()};
    if (user) e.userId = user;
    if (options && options.itemId != null) e.itemId = String(options.itemId);
    if (options && typeof options.value === 'number') e.value = options.value;
    if (props && typeof props === 'object') {
      var p = {}, any = false;
      for (var k in props) if (Object.prototype.hasOwnProperty.call(props, k) && props[k] !== undefined) { p[k] = props[k]; any = true; }
      try { JSON.stringify(p); } catch (x) { if (w.console) w.console.warn('attune: properties are not JSON; event dropped'); return null; }
      if (any) e.properties = p;
    }
    enqueue({k: 'e', id: e.id, b: e});
    return e.id;
  }
  function page() {
    depths = {};
    return track('page_view', {title: clip(d.title, 512), path: clip(w.location.pathname, 512)});
  }

  function closest(el, attr) {
    while (el && el.nodeType === 1) { if (el.hasAttribute(attr)) return el; el = el.parentNode; }
    return null;
  }
  function onClick(ev) {
    var el = closest(ev.target, 'data-attune-item') || closest(ev.target, 'data-attune-event');
    var link = !el && cfg.links ? closest(ev.target, 'href') : null;
    if (!el && !link) return;
    if (link) { track('link_click', {href: clip(link.href, 1024)}); return; }
    var props = {}, rec = el.getAttribute('data-attune-recommendation');
    if (el.id) props.elementId = clip(el.id, 256);
    if (el.href) props.href = clip(el.href, 1024);
    if (rec) {
      props.recommendationId = rec;
      props.position = parseInt(el.getAttribute('data-attune-position'), 10);
      var mv = parseInt(el.getAttribute('data-attune-model-version'), 10);
      if (mv >= 0) props.modelVersion = mv;
    }
    track(el.getAttribute('data-attune-event') || 'click', props, {itemId: el.getAttribute('data-attune-item')});
  }
  // Field values are personal more often than not: only fields marked data-attune-field are sent,
  // and never a password.
  function onSubmit(ev) {
    var form = ev.target;
    if (!form || form.nodeName !== 'FORM' || form.hasAttribute('data-attune-ignore')) return;
    var fields = {}, any = false;
    for (var i = 0; i < form.elements.length; i++) {
      var f = form.elements[i];
      if (!f.name || !f.hasAttribute('data-attune-field') || f.type === 'password') continue;
      if ((f.type === 'checkbox' || f.type === 'radio') && !f.checked) continue;
      fields[f.name] = clip(f.value, 512); any = true;
    }
    var props = {form: clip(form.id || form.getAttribute('name') || form.getAttribute('action') || '', 256)};
    if (any) props.fields = fields;
    track(form.getAttribute('data-attune-event') || 'form_submit', props, {itemId: form.getAttribute('data-attune-item')});
  }
  var scrollPending = false;
  function onScroll() {
    if (scrollPending) return;
    scrollPending = true;
    setTimeout(function () {
      scrollPending = false;
      var el = d.documentElement, height = Math.max(el.scrollHeight, d.body ? d.body.scrollHeight : 0);
      var seen = (w.pageYOffset || el.scrollTop) + w.innerHeight;
      if (height <= 0) return;
      var pct = Math.min(100, Math.ceil(seen / height * 100 + 0.5));
      for (var i = 0; i < THRESHOLDS.length; i++) {
        var t = THRESHOLDS[i];
        if (pct >= t && !depths[t]) { depths[t] = true; track('scroll', {depth: t}); }
      }
    }, 200);
  }
  function onMedia(ev) {
    var v = ev.target;
    if (!v || v.nodeName !== 'VIDEO' || v.hasAttribute('data-attune-ignore')) return;
    if (ev.type === 'pause' && v.ended) return; // a pause always precedes 'ended'
    var type = ev.type === 'play' ? 'video_play' : ev.type === 'pause' ? 'video_pause' : 'video_complete';
    var props = {position: Math.round(v.currentTime * 10) / 10};
    if (isFinite(v.duration)) props.duration = Math.round(v.duration * 10) / 10;
    var src = v.currentSrc || '';
    if (src && src.indexOf('data:') !== 0 && src.indexOf('blob:') !== 0) props.src = clip(src, 1024);
    if (v.id) props.videoId = clip(v.id, 256);
    track(type, props, {itemId: v.getAttribute('data-attune-item')});
  }

  function sendConsent() {
    var id = user || (consent.analytics ? anonymousId() : get('anonymousId'));
    if (!id) return;
    enqueue({k: 'c', id: uuid(), m: 'PUT', p: '/v1/users/' + encodeURIComponent(id) + '/consent',
      b: {analytics: !!consent.analytics, personalization: !!consent.personalization, marketing: !!consent.marketing, source: 'tracker'}});
    flush();
  }

  function init(options) {
    if (cfg) return api;
    var c = {}, k;
    for (k in DEFAULTS) c[k] = DEFAULTS[k];
    for (k in options || {}) if (options[k] !== undefined) c[k] = options[k];
    if (!c.key) throw new Error('attune: init needs the public write key');
    if (!c.endpoint && script && script.src) c.endpoint = script.src.replace(/\/sdk\/attune\.js.*$/, '');
    c.endpoint = String(c.endpoint).replace(/\/+$/, '');
    cfg = c;
    consent = json(get('consent'));
    user = get('userId');
    // Before consent (requireConsent) nothing is read or written but the consent choice.
    if (allowed()) adopt();
    d.addEventListener('click', function (e) { if (cfg.clicks) onClick(e); }, true);
    d.addEventListener('submit', function (e) { if (cfg.forms) onSubmit(e); }, true);
    w.addEventListener('scroll', function () { if (cfg.scroll) onScroll(); }, {passive: true});
    ['play', 'pause', 'ended'].forEach(function (t) { d.addEventListener(t, function (e) { if (cfg.video) onMedia(e); }, true); });
    d.addEventListener('visibilitychange', function () { if (d.visibilityState === 'hidden') beacon(); else flush(); });
    w.addEventListener('pagehide', beacon);
    w.addEventListener('online', function () {
      if (retryTimer) { clearTimeout(retryTimer); retryTimer = null; }
      flush();
    });
    flushTimer = setInterval(flush, cfg.flushInterval);
    if (cfg.pageViews) page();
    flush();
    return api;
  }

  // Recommendations into a container: one `impression` when half of it is in view, and a `click`
  // per item clicked, each carrying the list's recommendationId (and model version) so that
  // click-through is attributed to the list, the model and the experiment variant that made it.
  function recommend(container, o) {
    o = o || {};
    if (typeof container === 'string') container = d.querySelector(container);
    var id = o.userId || user || anonymousId();
    var q = ['count=' + (o.count || 5)];
    if (o.experiment) q.push('experiment=' + encodeURIComponent(o.experiment));
    if (o.strategy) q.push('strategy=' + encodeURIComponent(o.strategy));
    var target = o.url || url('/v1/users/' + encodeURIComponent(id) + '/recommendations?' + q.join('&'));
    // A proxy of the site's own (`url`) gets no key unless one is given: it holds its own.
    var key = o.readKey || (o.url ? null : cfg.key);
    return w.fetch(target, {headers: key ? {'Authorization': 'Bearer ' + key} : {}, credentials: 'omit'})
      .then(function (r) {
        if (!r.ok) throw new Error('attune: recommendations answered ' + r.status);
        return r.json();
      })
      .then(function (list) {
        var ul = d.createElement('ul'), ids = [];
        ul.className = 'attune-recommendations';
        (list.items || []).forEach(function (item, i) {
          var li = d.createElement('li');
          li.setAttribute('data-attune-item', item.itemId);
          li.setAttribute('data-attune-recommendation', list.recommendationId);
          li.setAttribute('data-attune-position', String(i));
          if (typeof list.modelVersion === 'number') li.setAttribute('data-attune-model-version', String(list.modelVersion));
          if (o.render) o.render(item, li); else li.textContent = item.itemId;
          ul.appendChild(li); ids.push(item.itemId);
        });
        container.innerHTML = '';
        container.appendChild(ul);
        var props = {recommendationId: list.recommendationId, items: ids};
        if (typeof list.modelVersion === 'number') props.modelVersion = list.modelVersion;
        if (list.experiment) { props.experiment = list.experiment.key; props.variant = list.experiment.variant; }
        var seen = function () { track('impression', props); };
        if (!ids.length) return list;
        if (w.IntersectionObserver) {
          var io = new w.IntersectionObserver(function (entries) {
            if (entries[0].isIntersecting) { io.disconnect(); seen(); }
          }, {threshold: 0.5});
          io.observe(container);
        } else seen();
        return list;
      });
  }

  var api = {
    version: '1',
    init: init,
    track: function (name, props, options) { return track(name, props, options); },
    page: function () { return page(); },
    identify: function (userId, traits) {
      if (userId == null || userId === '') throw new Error('attune: identify needs a user id');
      user = String(userId);
      // Before consent the id is kept in memory only.
      if (!allowed()) return;
      // Pages often identify on every load: once the link is sent, only new traits are news.
      if (get('userId') === user && !traits) return;
      set('userId', user, true);
      var body = {userId: user, anonymousId: anonymousId()};
      if (traits && typeof traits === 'object') body.traits = traits;
      enqueue({k: 'i', id: uuid(), m: 'POST', p: '/v1/identify', b: body});
      if (consent) sendConsent();
      flush();
    },
    consent: function (purposes) {
      var before = allowed();
      consent = {analytics: !!purposes.analytics, personalization: !!purposes.personalization, marketing: !!purposes.marketing};
      set('consent', JSON.stringify(consent), true);
      if (!consent.analytics) {
        // Withdrawn: nothing more is sent, and what waits is not sent either.
        queue = queue.filter(function (x) { return x.k === 'c'; }); save();
      }
      var granted = !before && allowed();
      if (granted) adopt();
      // identify sends the consent too, under the user id.
      if (granted && user) api.identify(user); else sendConsent();
      if (granted && cfg.pageViews) page();
    },
    reset: function () { user = null; del('userId'); del('anonymousId'); del('session'); },
    flush: function () { flush(); },
    recommend: recommend,
    // For tests and debugging.
    _debug: {
      queue: function () { return queue.slice(); }, stats: stats, backoff: function (n) { return backoff(n); },
      anonymousId: function () { return get('anonymousId'); }, session: function () { return json(get('session')); },
      queueKey: function () { return P + queueKey; }
    }
  };
  w.attune = api;
})(window, document);
"""#
}
