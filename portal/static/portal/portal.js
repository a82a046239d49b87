// Therapist portal: small progressive enhancements. Everything works without this file.
(function () {
  "use strict";

  // Add a patient: show the temporary-password field only when that option is chosen.
  var passwordBlock = document.getElementById("div_id_password");
  var radios = document.querySelectorAll('input[name="access"]');
  if (passwordBlock && radios.length) {
    var sync = function () {
      var chosen = document.querySelector('input[name="access"]:checked');
      var wantsPassword = chosen && chosen.value === "password";
      var hasError = passwordBlock.querySelector(".is-invalid, .invalid-feedback");
      passwordBlock.hidden = !(wantsPassword || hasError);
    };
    radios.forEach(function (radio) { radio.addEventListener("change", sync); });
    sync();
  }

  // Copy buttons: <button data-copy-target="ID"> copies that input's value.
  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var input = document.getElementById(button.getAttribute("data-copy-target"));
      if (!input) { return; }
      input.select();
      var done = function () { button.textContent = button.getAttribute("data-copied-label"); };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done);
      } else if (document.execCommand("copy")) {
        done();
      }
    });
  });
})();
