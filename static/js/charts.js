/* Draws every figure on the page from its JSON data block. The same numbers are on the
   page as a table ("View as table"), so nothing depends on this script. */
(function () {
  "use strict";
  if (typeof Plotly === "undefined") { return; }
  document.querySelectorAll("[data-figure]").forEach(function (target) {
    var source = document.getElementById(target.getAttribute("data-figure"));
    if (!source) { return; }
    var spec = JSON.parse(source.textContent);
    Plotly.newPlot(target, spec.data, spec.layout, {
      displaylogo: false,
      responsive: true,
      modeBarButtonsToRemove: ["select2d", "lasso2d", "toImage"]
    });
  });
}());
