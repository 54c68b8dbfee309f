/* Draws every figure on the page from its JSON data block. The same numbers are on the
   page as a table ("View as table"), so nothing depends on this script. */
(function () {
  "use strict";
  if (typeof Plotly === "undefined") { return; }
  var NARROW = 560;  // px: below this a date axis gets three labels, so they stay level

  function dateTicks(target, layout) {
    var update = {};
    Object.keys(layout).forEach(function (key) {
      if (/^xaxis\d*$/.test(key) && layout[key].type === "date") {
        update[key + ".nticks"] = target.clientWidth < NARROW ? 3 : 6;
      }
    });
    return update;
  }

  var drawn = [];
  document.querySelectorAll("[data-figure]").forEach(function (target) {
    var source = document.getElementById(target.getAttribute("data-figure"));
    if (!source) { return; }
    var spec = JSON.parse(source.textContent);
    // The figure's own height, kept when "responsive" refits the chart to a new width.
    if (spec.layout.height) { target.style.height = spec.layout.height + "px"; }
    var ticks = dateTicks(target, spec.layout);
    Object.keys(ticks).forEach(function (path) {
      spec.layout[path.split(".")[0]].nticks = ticks[path];
    });
    // No toolbar: its buttons would be links nested inside the chart's role="img" (axe:
    // nested-interactive), and the table below the charts is the accessible way to the data.
    Plotly.newPlot(target, spec.data, spec.layout, {displayModeBar: false, responsive: true});
    drawn.push({target: target, layout: spec.layout});
  });

  var pending = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(pending);
    pending = window.setTimeout(function () {
      drawn.forEach(function (chart) {
        Plotly.relayout(chart.target, dateTicks(chart.target, chart.layout));
      });
    }, 150);
  });
}());
