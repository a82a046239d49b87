/* Follow along: a timer for each exercise on the Today page.
 *
 * It runs the whole exercise: every repetition's hold, with a short rest between them, and for
 * an exercise done with each leg, the legs in turn ("Right leg, rep 2 of 5 — hold 4…"). The right
 * leg goes first, as the handout's lying hip rotation stretch says ("Bend your right knee").
 * Each new hold, each rest and the end are announced to screen readers (a polite live region);
 * the seconds are shown on screen. A page-wide switch adds a beep (Web Audio) and, where the
 * phone allows, a buzz when a hold starts and ends; the choice is remembered on the device
 * (localStorage). It is a plain <button> and <input type="checkbox">: keyboard-operable.
 *
 * Progressive enhancement: the timer and the switch are hidden in the HTML and shown only when
 * this script runs. No inline scripts (the CSP forbids them). Every word comes from data-
 * attributes written by the server with {% translate %}; "{rep}", "{reps}", "{what}" and
 * "{seconds}" in them are filled in here.
 *
 * The numbers are read from the timer's data- attributes when "Start" is pressed:
 * data-seconds (hold), data-reps, data-per-side ("true"/"false") and data-rest-seconds (the
 * rest between holds). The browser tests shorten a run by setting these attributes first. */
(function () {
  "use strict";

  var STORAGE_KEY = "backcare.timer.signal";
  var signalOn = false;
  var audio = null;
  var stopRunning = null; // one timer at a time: starting another stops this one

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
    });
  }

  function readSignalChoice() {
    try {
      return window.localStorage.getItem(STORAGE_KEY) === "on";
    } catch (e) {
      return false; // storage blocked: the switch still works for this page
    }
  }

  function saveSignalChoice(on) {
    try {
      window.localStorage.setItem(STORAGE_KEY, on ? "on" : "off");
    } catch (e) {
      /* storage blocked: nothing to remember it in */
    }
  }

  /* A short tone; a higher one when a hold starts, a lower, longer one when it ends. */
  function beep(frequency, duration) {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) {
      return;
    }
    try {
      audio = audio || new Context();
      if (audio.state === "suspended") {
        audio.resume();
      }
      var oscillator = audio.createOscillator();
      var gain = audio.createGain();
      oscillator.type = "sine";
      oscillator.frequency.value = frequency;
      gain.gain.setValueAtTime(0.25, audio.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + duration);
      oscillator.connect(gain);
      gain.connect(audio.destination);
      oscillator.start();
      oscillator.stop(audio.currentTime + duration);
    } catch (e) {
      /* no sound on this device */
    }
  }

  function signal(kind) {
    if (!signalOn) {
      return;
    }
    if (kind === "hold") {
      beep(880, 0.2);
      if (navigator.vibrate) {
        navigator.vibrate(150);
      }
    } else {
      beep(523, 0.45);
      if (navigator.vibrate) {
        navigator.vibrate([200, 100, 200]);
      }
    }
  }

  function setUpSwitch() {
    var box = document.querySelector("[data-timer-signal]");
    if (!box) {
      return;
    }
    var input = box.querySelector("input[type=checkbox]");
    signalOn = readSignalChoice();
    input.checked = signalOn;
    input.addEventListener("change", function () {
      signalOn = input.checked;
      saveSignalChoice(signalOn);
      if (signalOn) {
        beep(880, 0.15); // a sample, and it lets the browser start sound from this tap
      }
    });
    box.hidden = false;
  }

  /* The holds of one exercise, in order: each repetition, each leg in turn when per side. */
  function plan(reps, perSide) {
    var steps = [];
    for (var rep = 1; rep <= reps; rep += 1) {
      if (perSide) {
        steps.push({ rep: rep, side: "right" }, { rep: rep, side: "left" });
      } else {
        steps.push({ rep: rep, side: null });
      }
    }
    return steps;
  }

  function setUp(timer) {
    var button = timer.querySelector(".hold-timer-button");
    var label = timer.querySelector(".hold-timer-label");
    var display = timer.querySelector(".hold-timer-display");
    var announcer = timer.querySelector(".hold-timer-announce");
    if (!button || !label || !display || !announcer) {
      return;
    }
    var interval = null;

    function text(name) {
      return timer.getAttribute("data-" + name) || "";
    }

    function announce(message) {
      announcer.textContent = message;
    }

    function stop(message) {
      window.clearInterval(interval);
      interval = null;
      if (stopRunning === stopHere) {
        stopRunning = null;
      }
      timer.classList.remove("is-running", "is-resting");
      label.textContent = button.getAttribute("data-label-start");
      display.textContent = message;
      announce(message);
    }

    function start() {
      var seconds = parseInt(timer.getAttribute("data-seconds"), 10);
      var reps = parseInt(timer.getAttribute("data-reps"), 10) || 1;
      var rest = parseInt(timer.getAttribute("data-rest-seconds"), 10) || 0;
      var perSide = timer.getAttribute("data-per-side") === "true";
      if (!seconds) {
        return;
      }
      var steps = plan(reps, perSide);
      var index = 0;
      var phase = "hold";
      var left = seconds;

      function what() {
        var step = steps[index];
        var template = step.side === "left" ? text("left") : step.side === "right" ? text("right") : text("rep");
        return fill(template, { rep: step.rep, reps: reps });
      }

      function show() {
        if (phase === "hold") {
          display.textContent = fill(text("holding"), { what: what(), seconds: left });
        } else {
          display.textContent = fill(text("resting"), { seconds: left });
        }
      }

      function beginHold() {
        phase = "hold";
        left = seconds;
        timer.classList.remove("is-resting");
        announce(fill(text("announce-hold"), { what: what() }));
        signal("hold");
        show();
      }

      function tick() {
        left -= 1;
        if (left > 0) {
          show();
          return;
        }
        if (phase === "hold") {
          signal("end");
          if (index === steps.length - 1) {
            stop(text("done"));
            return;
          }
          index += 1;
          if (rest > 0) {
            phase = "rest";
            left = rest;
            timer.classList.add("is-resting");
            announce(text("announce-rest"));
            show();
            return;
          }
        }
        beginHold();
      }

      if (stopRunning) {
        stopRunning();
      }
      stopRunning = stopHere;
      timer.classList.add("is-running");
      label.textContent = button.getAttribute("data-label-stop");
      beginHold();
      interval = window.setInterval(tick, 1000);
    }

    function stopHere() {
      stop(text("stopped"));
    }

    button.addEventListener("click", function () {
      if (interval !== null) {
        stopHere();
        return;
      }
      start();
    });
    timer.hidden = false;
  }

  var timers = document.querySelectorAll("[data-hold-timer]");
  if (timers.length) {
    setUpSwitch();
  }
  timers.forEach(setUp);
})();
