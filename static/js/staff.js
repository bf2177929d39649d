/* Staff pages: a warning a minute before the idle sign-out, with "Stay signed in", and the
   print buttons. Loaded with <script src> (the Content Security Policy forbids inline code). */
(function () {
  "use strict";

  document.querySelectorAll(".js-print").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });

  var warning = document.getElementById("idle-warning");
  if (!warning) {
    return;
  }
  var idleSeconds = Number(warning.dataset.idleSeconds);
  if (!(idleSeconds > 0)) {
    return;
  }
  // One minute's notice; half the time when the limit itself is shorter (tests).
  var noticeSeconds = Math.min(60, idleSeconds / 2);
  var stay = warning.querySelector(".js-stay-signed-in");
  var signedOut = warning.querySelector(".idle-signed-out");
  var text = document.getElementById("idle-warning-text");
  var warnTimer = null;
  var endTimer = null;

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function showSignedOut() {
    warning.hidden = false;
    text.hidden = true;
    stay.hidden = true;
    signedOut.hidden = false;
  }

  function start() {
    window.clearTimeout(warnTimer);
    window.clearTimeout(endTimer);
    warnTimer = window.setTimeout(function () {
      warning.hidden = false;
      stay.focus();
    }, (idleSeconds - noticeSeconds) * 1000);
    endTimer = window.setTimeout(showSignedOut, idleSeconds * 1000);
  }

  stay.addEventListener("click", function () {
    fetch(warning.dataset.keepaliveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken() },
      redirect: "manual"
    }).then(function (response) {
      if (response.status === 204) {
        warning.hidden = true;
        start();
      } else {
        showSignedOut();
      }
    }, showSignedOut);
  });

  start();
})();
