/* Progressive enhancement of the definition-driven forms. Without this file the forms work
   the same: the server applies the skip logic and reports answers to skipped questions,
   renders the sections behind a closed gate (consent first) hidden, with a "Continue" step,
   and adopts a carried-over answer whose "still true" box is ticked. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-answers-form]");
  if (!form) { return; }

  function valuesOf(name) {
    var out = [];
    form.querySelectorAll('[name="' + name + '"]').forEach(function (el) {
      if (el.disabled) { return; }
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) { return; }
      if (el.value !== "") { out.push(el.value); }
    });
    return out;
  }

  function holds(condition) {
    var values = valuesOf(condition.q);
    if (condition.op === "exists") { return (values.length > 0) === condition.a; }
    if (condition.op === "=") { return values.indexOf(condition.a) !== -1; }
    return values.indexOf(condition.a) === -1;  // "!=": no answer equals the value
  }

  function update() {
    // Outer blocks first, so a hidden section hides (and disables) everything inside it.
    form.querySelectorAll("[data-enable-when]").forEach(function (block) {
      var rule = JSON.parse(block.getAttribute("data-enable-when"));
      var results = rule.conditions.map(holds);
      var on = rule.behavior === "any" ? results.some(Boolean) : results.every(Boolean);
      var insideHidden = block.parentElement && block.parentElement.closest("[hidden]");
      block.hidden = !on || Boolean(insideHidden);
      if (block.tagName === "FIELDSET") { block.disabled = block.hidden; }
      block.querySelectorAll("input, select, textarea").forEach(function (el) {
        el.disabled = block.hidden;
      });
    });
    // The gate's "Continue" step is needed only while the sections after it are closed.
    form.querySelectorAll("[data-gate-for]").forEach(function (step) {
      var next = document.getElementById(step.getAttribute("data-gate-for"));
      step.hidden = !(next && next.hidden);
    });
  }

  function sameAsCarried(box) {
    var carried = JSON.parse(box.getAttribute("data-carried")).sort();
    var given = valuesOf(box.value).sort();
    return carried.length === given.length && carried.every(function (v, i) { return v === given[i]; });
  }

  function applyCarried(box) {
    // "Still true" shows the carried-over answer as chosen; unticking leaves it unanswered.
    var carried = JSON.parse(box.getAttribute("data-carried"));
    form.querySelectorAll('[name="' + box.value + '"]').forEach(function (input) {
      if (input.type === "radio" || input.type === "checkbox") {
        input.checked = box.checked ? carried.indexOf(input.value) !== -1 : input.value === "";
      }
    });
  }

  form.addEventListener("change", function (event) {
    var el = event.target;
    if (el.name === "confirmed" && el.hasAttribute("data-carried")) {
      applyCarried(el);
      update();
      return;
    }
    if (el.type === "checkbox" && el.name && el.checked) {
      var exclusive = el.hasAttribute("data-exclusive");
      form.querySelectorAll('input[type=checkbox][name="' + el.name + '"]').forEach(function (other) {
        if (other !== el && (exclusive || other.hasAttribute("data-exclusive"))) { other.checked = false; }
      });
    }
    if (el.hasAttribute("data-decline-for")) {
      var id = el.getAttribute("data-decline-for");
      var block = document.getElementById("q-" + id);
      if (block && el.checked) {
        block.querySelectorAll('input:not([data-decline-for])').forEach(function (input) {
          if (input.type === "radio") { input.checked = input.value === ""; }
          else if (input.type === "checkbox") { input.checked = false; }
          else { input.value = ""; }
        });
      }
    } else if (el.name && el.closest(".question")) {
      var question = el.closest(".question");
      var decline = question.querySelector("[data-decline-for]");
      if (decline && el.value !== "" && (el.checked || el.type === "text")) { decline.checked = false; }
      var box = question.querySelector("input[name=confirmed][data-carried]");
      if (box && box.checked && !sameAsCarried(box)) { box.checked = false; }
    }
    update();
  });
  update();
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
}());
