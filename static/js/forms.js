/* Progressive enhancement of the definition-driven forms. Without this file the forms work
   the same: the server applies the skip logic and reports answers to skipped questions. */
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
      block.querySelectorAll("input, select, textarea").forEach(function (el) {
        el.disabled = block.hidden;
      });
    });
  }

  form.addEventListener("change", function (event) {
    var el = event.target;
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
      var decline = el.closest(".question").querySelector("[data-decline-for]");
      if (decline && el.value !== "" && (el.checked || el.type === "text")) { decline.checked = false; }
    }
    update();
  });
  update();
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
}());
