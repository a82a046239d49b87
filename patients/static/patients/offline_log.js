/* A session logged without a connection is kept on the phone and sent when it is back.
 *
 * On "Log a session", pressing a save button first asks the server for a fresh CSRF token
 * (GET data-token-url). If that works, the form is submitted as usual, with the fresh token. If
 * there is no connection (or the phone says it is offline), or the login has ended, what the
 * patient typed is kept in localStorage instead, with its day, and the page says so plainly.
 * Without this script the form is a plain form: nothing here is needed to log a session.
 *
 * On every patient page, a kept session is sent when the connection is back (the "online"
 * event, page load, and every 30 s while one waits): a fresh token first, then one POST to the
 * sessions API (data-api-url) with the day written in it. The server keeps one session per day,
 * so sending the same day again only edits it: a retry after a lost answer never makes two. It
 * is removed from the phone only once the server has answered: saved (200/201) or refused
 * (400, with its reasons shown). A login that has ended (401/403) keeps it and asks to log in
 * again; it is sent after that login. A session is only ever sent for the login that kept it.
 *
 * No inline scripts (the CSP forbids them); every word comes from data- attributes written by
 * the server (patients/includes/offline_status.html); "{day}" and "{reasons}" are filled in here.
 */
(function () {
  "use strict";

  var STORAGE_KEY = "backcare.pendingSessions";
  var RETRY_MS = 30000;
  var TIMEOUT_MS = 10000;
  var statusBox = document.querySelector("[data-offline-log]");
  if (!statusBox) {
    return;
  }
  var config = statusBox.dataset;
  var sending = false;

  function text(name, values) {
    var template = config["text" + name] || "";
    return template.replace(/\{(\w+)\}/g, function (whole, key) {
      return values && Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }

  function show(message, kind, link) {
    statusBox.hidden = false;
    statusBox.classList.toggle("is-sent", kind === "sent");
    statusBox.classList.toggle("is-refused", kind === "refused");
    statusBox.textContent = "";
    var paragraph = document.createElement("p");
    paragraph.textContent = message;
    if (link) {
      paragraph.appendChild(document.createTextNode(" "));
      var anchor = document.createElement("a");
      anchor.href = link.href;
      anchor.textContent = link.text;
      paragraph.appendChild(anchor);
    }
    statusBox.appendChild(paragraph);
  }

  /* --- What is kept on the phone: {"<user>|<day>": {user, day, dayText, payload}} ---------- */

  function readAll() {
    try {
      return JSON.parse(window.localStorage.getItem(STORAGE_KEY) || "{}") || {};
    } catch (e) {
      return {};
    }
  }

  function writeAll(all) {
    try {
      if (Object.keys(all).length) {
        window.localStorage.setItem(STORAGE_KEY, JSON.stringify(all));
      } else {
        window.localStorage.removeItem(STORAGE_KEY);
      }
      return true;
    } catch (e) {
      return false; // storage blocked or full: the caller says so
    }
  }

  function keep(entry) {
    var all = readAll();
    all[entry.user + "|" + entry.day] = entry; // the same day again replaces it, as the server does
    return writeAll(all);
  }

  function forget(entry) {
    var all = readAll();
    delete all[entry.user + "|" + entry.day];
    writeAll(all);
  }

  function mine() {
    var all = readAll();
    return Object.keys(all)
      .map(function (key) {
        return all[key];
      })
      .filter(function (entry) {
        return String(entry.user) === config.user;
      });
  }

  /* --- Talking to the server ------------------------------------------------------------ */

  function withTimeout(promise) {
    return new Promise(function (resolve, reject) {
      var timer = window.setTimeout(function () {
        reject(new Error("timeout"));
      }, TIMEOUT_MS);
      promise.then(
        function (value) {
          window.clearTimeout(timer);
          resolve(value);
        },
        function (error) {
          window.clearTimeout(timer);
          reject(error);
        }
      );
    });
  }

  /* Resolves to {loggedIn, user, token}; rejects when the server cannot be reached. */
  function freshToken() {
    return withTimeout(
      fetch(config.tokenUrl, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
    ).then(function (response) {
      if (response.status === 401 || response.status === 403) {
        return { loggedIn: false };
      }
      if (!response.ok) {
        throw new Error("token " + response.status);
      }
      return response.json().then(function (data) {
        return { loggedIn: true, user: String(data.user), token: data.csrf_token };
      });
    });
  }

  function reasons(body) {
    var found = [];
    (function walk(value) {
      if (typeof value === "string") {
        found.push(value);
      } else if (value && typeof value === "object") {
        Object.keys(value).forEach(function (key) {
          walk(value[key]);
        });
      }
    })(body);
    return found.join(" ");
  }

  function loginLink() {
    return { href: config.loginUrl, text: config.textLoginLink };
  }

  function send(entry, token) {
    return withTimeout(
      fetch(config.apiUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": token },
        body: JSON.stringify(entry.payload),
      })
    ).then(function (response) {
      if (response.status === 200 || response.status === 201) {
        forget(entry);
        show(text("Sent", { day: entry.dayText }), "sent");
        return true;
      }
      if (response.status === 401 || response.status === 403) {
        show(text("Login", { day: entry.dayText }), "waiting", loginLink());
        return false;
      }
      if (response.status === 400) {
        return response.json().then(function (body) {
          forget(entry); // the server will never take it as it is: say why, and let them log again
          show(text("Refused", { day: entry.dayText, reasons: reasons(body) }), "refused");
          return false;
        });
      }
      throw new Error("sessions " + response.status);
    });
  }

  /* Send every session this login kept, one after the other. */
  function sendKept() {
    var waiting = mine();
    if (sending || !waiting.length || navigator.onLine === false) {
      return;
    }
    sending = true;
    show(text("Sending"), "waiting");
    freshToken()
      .then(function (login) {
        if (!login.loggedIn || login.user !== config.user) {
          show(text("Login", { day: waiting[0].dayText }), "waiting", loginLink());
          return null;
        }
        return waiting.reduce(function (previous, entry) {
          return previous.then(function () {
            return send(entry, login.token);
          });
        }, Promise.resolve());
      })
      .catch(function () {
        show(text("Waiting"), "waiting"); // still no connection: try again later
      })
      .then(function () {
        sending = false;
      });
  }

  /* --- The form ------------------------------------------------------------------------- */

  function checkedValue(form, name) {
    var input = form.querySelector('input[name="' + name + '"]:checked');
    return input ? input.value : null;
  }

  function number(form, name) {
    var input = form.elements[name];
    var value = input ? input.value.trim() : "";
    return /^-?\d+$/.test(value) ? parseInt(value, 10) : null;
  }

  /* What the form says, as the sessions API takes it; null when a required answer is missing. */
  function payloadOf(form, completion) {
    var before = checkedValue(form, "pain_before");
    var after = checkedValue(form, "pain_after");
    var change = checkedValue(form, "symptom_change");
    if (before === null || after === null || change === null) {
      return null;
    }
    var payload = {
      date: form.elements.day.value,
      pain_before: parseInt(before, 10),
      pain_after: parseInt(after, 10),
      symptom_change: change,
      note: form.elements.note.value,
    };
    if (completion === "as_prescribed") {
      payload.as_prescribed = true;
      return payload;
    }
    var complete = true;
    payload.exercises = Array.prototype.map.call(form.querySelectorAll("[data-plan-exercise]"), function (row) {
      var id = row.getAttribute("data-plan-exercise");
      var done = form.elements["ex" + id + "-done"].checked;
      var reps = number(form, "ex" + id + "-reps");
      if (done && reps === null) {
        complete = false;
      }
      return {
        plan_exercise: parseInt(id, 10),
        done: done,
        reps: done ? reps : null,
        hold_seconds: done ? number(form, "ex" + id + "-hold") : null,
        hurt: form.elements["ex" + id + "-hurt"].checked,
      };
    });
    return complete ? payload : null;
  }

  function keepOnPhone(form, completion, message, link) {
    var payload = payloadOf(form, completion);
    if (!payload) {
      show(text("Missing"), "refused");
    } else if (!keep({ user: config.user, day: payload.date, dayText: form.dataset.dayText, payload: payload })) {
      return false; // cannot keep it here: let the browser try to send the form itself
    } else {
      show(message, "waiting", link);
    }
    statusBox.focus();
    return true;
  }

  var form = document.querySelector("[data-session-form]");
  var confirmed = false;

  function submitAsUsual(submitter) {
    confirmed = true;
    if (submitter && form.requestSubmit) {
      form.requestSubmit(submitter); // sends the pressed button's name and value
      return;
    }
    if (submitter && submitter.name) {
      var choice = document.createElement("input");
      choice.type = "hidden";
      choice.name = submitter.name;
      choice.value = submitter.value;
      form.appendChild(choice);
    }
    form.submit();
  }

  if (form) {
    form.addEventListener("submit", function (event) {
      if (confirmed) {
        return; // the token was fresh: the browser sends the form as usual
      }
      var submitter = event.submitter;
      var completion = submitter && submitter.name === "completion" ? submitter.value : "";
      event.preventDefault();
      if (navigator.onLine === false) {
        if (!keepOnPhone(form, completion, text("Waiting"))) {
          submitAsUsual(submitter); // nowhere to keep it: let the browser try
        }
        return;
      }
      freshToken().then(
        function (login) {
          if (!login.loggedIn || login.user !== config.user) {
            keepOnPhone(form, completion, text("Login", { day: form.dataset.dayText }), loginLink());
            return;
          }
          form.elements.csrfmiddlewaretoken.value = login.token;
          confirmed = true;
          submitAsUsual(submitter);
        },
        function () {
          if (!keepOnPhone(form, completion, text("Waiting"))) {
            submitAsUsual(submitter);
          }
        }
      );
    });
  }

  /* --- When to send --------------------------------------------------------------------- */

  if (mine().length) {
    show(text("Waiting"), "waiting");
  }
  window.addEventListener("online", sendKept);
  window.setInterval(sendKept, RETRY_MS);
  sendKept();
})();
