// openrvu service worker: the log page opens without a connection.
//
// What is cached, and why no more:
// - the app shell (CSS, JS, vendored htmx, icons, manifest): cache first, refreshed when VERSION changes;
// - the signed-in log page, as the last copy fetched over the network (it is the page that must open
//   offline); it is dropped on sign-out (app.js) and replaced by every online visit.
// Nothing else: the JSON API (/api/...) and every other page always go to the network, and log entries
// made offline wait in the page's outbox (outbox.js), not here.
"use strict";

// The server stamps this line with a digest of the static files (routes/offline.py).
const VERSION = "dev";
const SHELL_CACHE = "openrvu-shell-" + VERSION;
const PAGES_CACHE = "openrvu-pages";
const LOG_PATH = "/log";
// After this long without an answer the saved log page is shown; the request carries on in the background.
const LOG_TIMEOUT_MS = 6000;
const SHELL = [
  "/static/app.css",
  "/static/app.js",
  "/static/outbox.js",
  "/static/vendor/htmx.min.js",
  "/static/icon.svg",
  "/static/icon-192.png",
  "/static/icon-512.png",
  "/manifest.webmanifest",
];

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(SHELL_CACHE)
      .then(function (cache) {
        return cache.addAll(SHELL.map(function (url) { return new Request(url, { cache: "reload" }); }));
      })
      .then(function () {
        // Installing offline or signed out is fine: the copy is made on the next online visit.
        return fetch(LOG_PATH, { credentials: "same-origin" }).then(keepLogPage).catch(function () {});
      })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys()
      .then(function (names) {
        return Promise.all(names.filter(function (name) {
          return name !== SHELL_CACHE && name !== PAGES_CACHE;
        }).map(function (name) { return caches.delete(name); }));
      })
      .then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("fetch", function (event) {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === LOG_PATH && acceptsHtml(request)) {
    event.respondWith(logPage(request));
  } else if (SHELL.indexOf(url.pathname) >= 0 && !url.search) {
    event.respondWith(caches.match(request, { cacheName: SHELL_CACHE }).then(function (hit) {
      return hit || fetch(request);
    }));
  } else if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(offlinePage));
  }
});

function acceptsHtml(request) {
  return request.mode === "navigate" || (request.headers.get("accept") || "").indexOf("text/html") >= 0;
}

// Keep a copy of a successful, signed-in log page (a redirect to the sign-in page is never kept).
function keepLogPage(response) {
  const type = response.headers.get("content-type") || "";
  if (!response.ok || response.redirected || type.indexOf("text/html") !== 0) return Promise.resolve(response);
  const copy = response.clone();
  return caches.open(PAGES_CACHE)
    .then(function (cache) { return cache.put(LOG_PATH, copy); })
    .then(function () { return response; });
}

// Network first; the saved copy when the network fails or is too slow.
function logPage(request) {
  const network = fetch(request).then(keepLogPage);
  const saved = function () {
    return caches.match(LOG_PATH, { cacheName: PAGES_CACHE }).then(function (hit) {
      return hit ? markedCopy(hit) : undefined;
    });
  };
  const late = new Promise(function (resolve) {
    setTimeout(function () { saved().then(resolve); }, LOG_TIMEOUT_MS);
  });
  return Promise.race([network, late.then(function (copy) { return copy || network; })])
    .catch(function () {
      return saved().then(function (copy) { return copy || offlinePage(); });
    });
}

// The saved page says it is a saved copy (and when it was fetched), so nobody takes it for live data.
function markedCopy(response) {
  const fetched = response.headers.get("date") || "";
  return response.text().then(function (html) {
    const marked = html.replace(
      '<main id="main">',
      '<main id="main" data-offline-copy="' + fetched.replace(/[^0-9A-Za-z ,:]/g, "") + '">'
    );
    return new Response(marked, {
      status: 200,
      headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" },
    });
  });
}

function offlinePage() {
  const html =
    '<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">' +
    "<title>Offline · openrvu</title>" +
    '<main style="font:16px system-ui;margin:2rem;max-width:32rem">' +
    "<h1>No connection</h1><p>This page needs the network. The procedure log works offline: " +
    'entries made there wait on this device and are sent when the connection returns.</p>' +
    '<p><a href="/log">Open the log</a></p></main>';
  return new Response(html, {
    status: 503,
    headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" },
  });
}
