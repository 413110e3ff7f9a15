// Draw every chart of the page with the plotly.js served by this app (no CDN).
// Each <div data-chart="ID"> has its figure as JSON in <script type="application/json" id="ID">.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  if (!window.Plotly) {
    return;
  }
  // No modebar: on a phone it covers the title, and the data table below gives the numbers.
  var config = { displaylogo: false, responsive: true, displayModeBar: false };
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var source = document.getElementById(el.getAttribute("data-chart"));
    if (!source) {
      return;
    }
    var figure = JSON.parse(source.textContent);
    window.Plotly.newPlot(el, figure.data, figure.layout, config);
  });
});
