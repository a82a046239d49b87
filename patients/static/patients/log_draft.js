/* The session form keeps what the patient typed across a forced login.
 *
 * A patient who fills in the form slowly can be logged out meanwhile (an hour without a request,
 * or 12 hours after logging in): pressing "Save" then leads to the login page, and the values
 * sent with it are gone. So every change is also kept in this tab's sessionStorage, and when the
 * form is shown again (after logging in, the login page sends the patient back to the same day)
 * the values are put back, with a note saying so. Nothing leaves the browser; sessionStorage
 * ends with the tab.
 *
 * The form says which draft it is: data-draft-key (the person and the day) and
 * data-draft-version (what is stored for that day: "new", or when it was last saved). Once the
 * session is stored its version changes, so a draft typed before is never shown over what was
 * saved, and is removed the next time the form is shown. A form shown with the server's error
 * messages already holds what was sent: it is not overwritten. Logging out from this page
 * removes the drafts. No inline scripts (the CSP forbids them); every word comes from a data-
 * attribute written by the server with {% translate %}. */
(function () {
  "use strict";

  var PREFIX = "backcare.logdraft.";
  var form = document.querySelector("form[data-draft-key]");
  if (!form) {
    return;
  }
  var key = PREFIX + form.getAttribute("data-draft-key");
  var version = form.getAttribute("data-draft-version");
  var SKIP = { csrfmiddlewaretoken: true, day: true, exercise: true };
  var storage;
  try {
    storage = window.sessionStorage;
    storage.getItem(key);
  } catch (e) {
    return; // storage blocked: the form works as before
  }

  function read() {
    try {
      return JSON.parse(storage.getItem(key));
    } catch (e) {
      return null;
    }
  }

  function values() {
    var out = {};
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || SKIP[field.name] || field.type === "submit" || field.type === "button") {
        return;
      }
      if (field.type === "checkbox") {
        out[field.name] = field.checked;
      } else if (field.type === "radio") {
        if (field.checked) {
          out[field.name] = field.value;
        }
      } else {
        out[field.name] = field.value;
      }
    });
    return out;
  }

  function restore(saved) {
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || !Object.prototype.hasOwnProperty.call(saved, field.name)) {
        return;
      }
      if (field.type === "checkbox") {
        field.checked = saved[field.name] === true;
      } else if (field.type === "radio") {
        field.checked = field.value === saved[field.name];
      } else if (!SKIP[field.name]) {
        field.value = saved[field.name];
      }
    });
  }

  function announce() {
    var text = form.getAttribute("data-draft-restored-text");
    if (!text) {
      return;
    }
    var note = document.createElement("div");
    note.className = "alert alert-info draft-restored";
    note.setAttribute("role", "status");
    note.textContent = text;
    form.insertBefore(note, form.firstChild);
  }

  function save() {
    try {
      storage.setItem(key, JSON.stringify({ version: version, values: values() }));
    } catch (e) {
      // storage full or blocked: nothing to keep
    }
  }

  var draft = read();
  if (draft && draft.version !== version) {
    storage.removeItem(key); // that day was saved since: what is stored wins
    draft = null;
  }
  if (draft && draft.values && !document.getElementById("form-problems")) {
    restore(draft.values);
    announce();
  }
  form.addEventListener("input", save);
  form.addEventListener("change", save);
  form.addEventListener("submit", save);

  // Logging out on purpose: forget every draft in this tab.
  Array.prototype.forEach.call(document.querySelectorAll("form[action*='logout']"), function (logout) {
    logout.addEventListener("submit", function () {
      for (var i = storage.length - 1; i >= 0; i -= 1) {
        var name = storage.key(i);
        if (name && name.indexOf(PREFIX) === 0) {
          storage.removeItem(name);
        }
      }
    });
  });
})();
