// Draws the insights charts: each <canvas data-chart="id"> gets the Chart.js
// configuration in <script type="application/json" id="chart-id">, rendered by
// the server (metrics/charts.py). The same numbers are in the table beside it.
(function () {
  "use strict";
  var palette = ["#2563eb", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#0ea5e9"];

  function draw(canvas) {
    var source = document.getElementById("chart-" + canvas.dataset.chart);
    if (!source || typeof Chart === "undefined") return;
    var config = JSON.parse(source.textContent);
    config.data.datasets.forEach(function (dataset, index) {
      if (dataset.colourEach) {  // one series: a colour per bar (the pyramid's levels)
        dataset.backgroundColor = config.data.labels.map(function (_label, bar) {
          return palette[bar % palette.length];
        });
        delete dataset.colourEach;
      }
      var colour = palette[index % palette.length];
      dataset.borderColor = dataset.borderColor || colour;
      dataset.backgroundColor = dataset.backgroundColor || (config.type === "line" ? colour + "33" : colour);
    });
    config.options = config.options || {};
    config.options.maintainAspectRatio = false;
    config.options.animation = false;
    new Chart(canvas, config);
  }

  function start() {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
