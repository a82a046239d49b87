/* On the login page, which every logout leads to: the patient pages kept on this phone for
 * opening without a connection (patients/static/patients/sw.js) are deleted, so nobody opens
 * someone's log after they logged out. Static files are kept: they are no one's. */
(function () {
  "use strict";
  if (window.caches) {
    window.caches.delete("backcare-pages").catch(function () {});
  }
})();
