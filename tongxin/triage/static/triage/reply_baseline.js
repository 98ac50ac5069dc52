// The reply-time histogram (triage/reply_baseline.html): reads the figures the page
// carries in <script type="application/json" id="reply-baseline-data"> and draws them
// with the vendored Apache ECharts. Canvas and rich-text tooltips: no inline styles.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  const source = document.getElementById("reply-baseline-data");
  const box = document.getElementById("reply-baseline-chart");
  if (!source || !box || !window.echarts) {
    return;
  }
  const data = JSON.parse(source.textContent);
  const chart = window.echarts.init(box, null, { renderer: "canvas", height: 320 });
  chart.setOption({
    animation: false,
    color: ["#8a949e", "#c8102e"],
    tooltip: { trigger: "axis", renderMode: "richText", valueFormatter: (v) => v + " %" },
    legend: { top: 0 },
    grid: { left: 48, right: 16, top: 40, bottom: 64 },
    xAxis: { type: "category", data: data.labels, axisLabel: { interval: 0, rotate: 30 } },
    yAxis: { type: "value", name: data.y_name },
    series: data.series.map((s) => ({ name: s.name, type: "bar", data: s.data })),
  });
  box.dataset.drawn = "true";
  window.addEventListener("resize", function () { chart.resize(); });
});
