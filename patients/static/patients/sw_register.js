/* Registers the patient pages' service worker (patients/static/patients/sw.js), so the app opens
 * without a connection once it has been opened with one. Where there is no service worker, nothing
 * happens: the pages work as before. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !("serviceWorker" in navigator)) {
    return;
  }
  navigator.serviceWorker.register(script.dataset.swUrl, { scope: script.dataset.scope }).catch(function () {
    /* not registered (e.g. private browsing): the pages work as before, online */
  });
})();
