/* The idle timer of the module's own sign-in. The server ends a session after the idle
   time whatever this file does; this file only warns a little before, offers "Stay signed
   in", and, when the time runs out, keeps an unfinished form as a server-side draft (the
   form's own "Save draft" action, under the same consent rule) and then signs out.

   Nothing typed into a form is put in localStorage or sessionStorage: once signed out, no
   clinical text is left in the browser. */
(function () {
  "use strict";
  var box = document.getElementById("session-timeout");
  if (!box || !window.fetch) { return; }

  var warnBefore = Number(box.getAttribute("data-warn-before")) * 1000;
  var statusUrl = box.getAttribute("data-status-url");
  var keepForm = box.querySelector("form");
  var countdown = box.querySelector("[data-countdown]");
  // Sign out this long before the server would, so that the draft and sign-out go through.
  var MARGIN = 3000;
  var endsAt = 0;
  var timers = [];

  var answers = document.querySelector("form[data-answers-form]");
  var draftButton = answers && answers.querySelector('button[name="action"][value="draft"]');
  var dirty = false;
  var leaving = false;
  if (answers) {
    answers.addEventListener("input", function () { dirty = true; });
    answers.addEventListener("change", function () { dirty = true; });
    answers.addEventListener("submit", function () { leaving = true; });
  }

  function clearTimers() {
    timers.forEach(function (t) { clearTimeout(t); clearInterval(t); });
    timers = [];
  }

  function show(which) {
    box.querySelectorAll("[data-when]").forEach(function (el) {
      el.hidden = el.getAttribute("data-when") !== which;
    });
  }

  function schedule(secondsLeft, extendable) {
    clearTimers();
    box.hidden = true;
    show(extendable ? "idle" : "lifetime");
    var left = secondsLeft * 1000;
    endsAt = Date.now() + left;
    timers.push(setTimeout(warn, Math.max(0, left - warnBefore)));
    timers.push(setTimeout(finish, Math.max(0, left - MARGIN)));
  }

  function status() {
    // How long is left, without counting as activity; null if the server cannot be asked.
    return fetch(statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .catch(function () { return null; });
  }

  function refreshTokens(token) {
    if (!token) { return; }
    document.querySelectorAll('input[name="csrf_token"]').forEach(function (el) { el.value = token; });
  }

  function warn() {
    status().then(function (state) {
      // Another tab of the same sign-in may have kept it alive meanwhile.
      if (state && state.signed_in && state.ends_in * 1000 > warnBefore + MARGIN) {
        schedule(state.ends_in, state.extendable);
        return;
      }
      box.hidden = false;
      var tick = function () {
        countdown.textContent = String(Math.max(0, Math.round((endsAt - Date.now()) / 1000)));
      };
      tick();
      timers.push(setInterval(tick, 1000));
      var button = box.querySelector("button");
      if (button && !button.closest("[hidden]")) { button.focus(); }
    });
  }

  function saveDraft() {
    if (!draftButton || !dirty || leaving) { return Promise.resolve(""); }
    var target = new URL(answers.getAttribute("action") || location.href, location.href);
    var data = new URLSearchParams(new FormData(answers));
    data.set("action", "draft");
    return fetch(target.href, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (r) {
        // Saved: the draft action sends the browser back to the same form.
        return r.ok && new URL(r.url).pathname === target.pathname ? "saved" : "refused";
      })
      .catch(function () { return "refused"; });
  }

  function signOut(draft) {
    var form = document.querySelector("form[data-sign-out]");
    if (!form) { location.reload(); return; }
    [["reason", "idle"], ["next", location.pathname + location.search], ["draft", draft]]
      .forEach(function (pair) {
        var input = document.createElement("input");
        input.type = "hidden";
        input.name = pair[0];
        input.value = pair[1];
        form.appendChild(input);
      });
    form.submit();
  }

  function finish() {
    status().then(function (state) {
      if (state && state.signed_in && state.ends_in * 1000 > MARGIN + 2000) {
        schedule(state.ends_in, state.extendable);
        return;
      }
      clearTimers();
      saveDraft().then(signOut);
    });
  }

  keepForm.addEventListener("submit", function (event) {
    event.preventDefault();
    fetch(keepForm.getAttribute("action"), {
      method: "POST",
      body: new URLSearchParams(new FormData(keepForm)),
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    })
      .then(function (r) { return r.json(); })
      .then(function (state) {
        if (state && state.signed_in) {
          refreshTokens(state.csrf_token);
          schedule(state.ends_in, state.extendable);
        } else {
          finish();
        }
      })
      .catch(finish);
  });

  // Timers of a hidden tab may fire late: look again when the page is seen.
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState !== "visible") { return; }
    status().then(function (state) {
      if (!state) { return; }
      if (state.signed_in) { schedule(state.ends_in, state.extendable); } else { finish(); }
    });
  });

  schedule(Number(box.getAttribute("data-ends-in")), box.getAttribute("data-extendable") === "true");
}());
