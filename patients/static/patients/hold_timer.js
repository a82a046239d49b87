/* A simple hold timer for each exercise on the Today page.
 * Progressive enhancement: the timer is hidden in the HTML and shown only when this script
 * runs. It counts down the target hold out loud for screen readers (aria-live) and, where the
 * phone allows, buzzes once at the end. No inline scripts; labels come from data- attributes
 * so they are translated on the server. */
(function () {
  "use strict";

  function setUp(timer) {
    var seconds = parseInt(timer.getAttribute("data-seconds"), 10);
    var button = timer.querySelector(".hold-timer-button");
    var display = timer.querySelector(".hold-timer-display");
    if (!seconds || !button || !display) {
      return;
    }
    var interval = null;

    function stop(message) {
      window.clearInterval(interval);
      interval = null;
      timer.classList.remove("is-running");
      button.textContent = button.getAttribute("data-label-start");
      display.textContent = message || "";
    }

    button.addEventListener("click", function () {
      if (interval !== null) {
        stop("");
        return;
      }
      var left = seconds;
      timer.classList.add("is-running");
      button.textContent = button.getAttribute("data-label-stop");
      display.textContent = display.getAttribute("data-hold") + " " + left;
      interval = window.setInterval(function () {
        left -= 1;
        if (left <= 0) {
          stop(display.getAttribute("data-done"));
          if (navigator.vibrate) {
            navigator.vibrate(300);
          }
          return;
        }
        display.textContent = display.getAttribute("data-hold") + " " + left;
      }, 1000);
    });
    timer.hidden = false;
  }

  document.querySelectorAll("[data-hold-timer]").forEach(setUp);
})();
