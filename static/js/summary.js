/* The client summary's two buttons: "Copy summary" fetches the progress-note paragraph
   (each fetch is an audited read), shows it in the page and copies it to the clipboard;
   "Print" opens the browser's print dialog. Without this script the summary page's link
   still works. */
(function () {
  "use strict";
  // Charts are drawn for the screen's width: refit them to the paper's before printing.
  window.addEventListener("beforeprint", function () {
    if (typeof Plotly === "undefined") { return; }
    document.querySelectorAll("[data-figure]").forEach(function (chart) {
      if (chart.classList.contains("js-plotly-plot")) { Plotly.Plots.resize(chart); }
    });
  });
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  document.querySelectorAll("[data-copy-summary]").forEach(function (button) {
    var target = document.getElementById(button.getAttribute("data-copy-summary"));
    var status = document.getElementById(button.getAttribute("data-status"));
    button.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = "Preparing the summary…";
      fetch(button.getAttribute("data-url"), {credentials: "same-origin"})
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.text();
        })
        .then(function (text) {
          target.value = text;
          target.hidden = false;
          var copied = navigator.clipboard && window.isSecureContext
            ? navigator.clipboard.writeText(text)
            : Promise.reject(new Error("no clipboard"));
          return copied.then(
            function () { status.textContent = "Summary copied: paste it into the progress note."; },
            function () {
              target.focus();
              target.select();
              status.textContent = "Select the text below and copy it (the browser did not allow copying).";
            }
          );
        })
        .catch(function () { status.textContent = "The summary could not be prepared; reload and try again."; });
    });
  });
})();
