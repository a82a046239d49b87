/* The service worker of the patient pages (scope /me/, served by patients.views.service_worker),
 * so the app installed on the home screen opens without a connection.
 *
 * - Today (/me/) and "Log a session" (/me/log/, also ?day=…) are network-first: each page that
 *   arrives is kept, per URL, in the "backcare-pages" cache; without a connection the last copy
 *   kept for that URL is shown. The log form shown from here keeps a session on the phone and
 *   sends it once the connection is back (offline_log.js), as it does on an open page.
 * - Static files (CSS, scripts, icons, drawings) are cache-first after their first fetch.
 * - Nothing else is touched: no other page, no POST, no API call, no /me/log/token/.
 *
 * A kept page is the patient's own: it is deleted when a navigation answers with a redirect (the
 * login has ended) and by the login page (forget_pages.js), which every logout leads to.
 * STATIC_URL is written in by the view.
 */
"use strict";

var STATIC_URL = "__STATIC_URL__";
var PAGES = "backcare-pages";
var ASSETS = "backcare-static-v1";

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches
      .keys()
      .then(function (names) {
        return Promise.all(
          names
            .filter(function (name) {
              return name.indexOf("backcare-") === 0 && name !== PAGES && name !== ASSETS;
            })
            .map(function (name) {
              return caches.delete(name);
            })
        );
      })
      .then(function () {
        return self.clients.claim();
      })
  );
});

function isKeptPage(url) {
  var scope = new URL(self.registration.scope);
  return url.origin === scope.origin && (url.pathname === scope.pathname || url.pathname === scope.pathname + "log/");
}

function page(event) {
  var request = event.request;
  return fetch(request).then(
    function (response) {
      if (response.type === "opaqueredirect") {
        event.waitUntil(caches.delete(PAGES)); // the login has ended: its pages are not to be shown
      } else if (response.ok && response.type === "basic") {
        var copy = response.clone();
        event.waitUntil(
          caches.open(PAGES).then(function (cache) {
            return cache.put(request.url, copy);
          })
        );
      }
      return response;
    },
    function () {
      return caches.match(request.url, { cacheName: PAGES, ignoreVary: true }).then(function (kept) {
        return kept || Response.error();
      });
    }
  );
}

function asset(event) {
  var request = event.request;
  return caches.open(ASSETS).then(function (cache) {
    return cache.match(request, { ignoreVary: true }).then(function (kept) {
      return (
        kept ||
        fetch(request).then(function (response) {
          if (response.ok && response.type === "basic") {
            event.waitUntil(cache.put(request, response.clone()));
          }
          return response;
        })
      );
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") {
    return;
  }
  var url = new URL(request.url);
  if (request.mode === "navigate" && isKeptPage(url)) {
    event.respondWith(page(event));
  } else if (url.origin === self.location.origin && url.pathname.indexOf(STATIC_URL) === 0) {
    event.respondWith(asset(event));
  }
});
