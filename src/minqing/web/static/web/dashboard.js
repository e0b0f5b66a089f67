// Charts of the leader dashboard (ECharts, served by the app itself). The numbers
// of every chart are also in the table under it.
(function () {
  function ready(fn) { if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn); }
  ready(function () {
    if (!window.echarts) return;
    var data = JSON.parse(document.getElementById("chart-data").textContent);
    var charts = [];
    function chart(id, option, rows) {
      var el = document.getElementById(id);
      if (!el) return;
      // a horizontal bar chart grows with its rows, so that every bar keeps its label readable
      if (rows) el.style.height = Math.max(220, rows * 28 + 60) + "px";
      var c = echarts.init(el, null, { renderer: "canvas" });
      option.animation = false;
      c.setOption(option);
      charts.push(c);
    }
    var grid = { left: 8, right: 8, top: 30, bottom: 36, containLabel: true };
    // horizontal bars carry their value at the end: room on the right so no label is clipped
    var hgrid = { left: 8, right: 56, top: 10, bottom: 24, containLabel: true };
    var valueLabel = { show: true, position: "right" };
    var pctLabel = { show: true, position: "right", formatter: function (p) { return p.value === null ? "—" : p.value + "%"; } };
    var legend = { bottom: 0, type: "scroll" };
    var L = data.labels;
    chart("chart-trend", {
      tooltip: { trigger: "axis" }, legend: legend, grid: grid,
      xAxis: { type: "category", data: data.trend.x },
      yAxis: [{ type: "value", name: L.intake }, { type: "value", name: "%", max: 100 }],
      series: [
        { name: L.intake, type: "bar", data: data.trend.intake, label: { show: data.trend.x.length <= 16, position: "top", fontSize: 10 } },
        { name: L.completion, type: "line", yAxisIndex: 1, data: data.trend.completion },
        { name: L.satisfaction, type: "line", yAxisIndex: 1, data: data.trend.satisfaction },
        { name: L.on_time, type: "line", yAxisIndex: 1, data: data.trend.on_time }
      ]
    });
    chart("chart-channels", {
      tooltip: { trigger: "item" },
      series: [{ type: "pie", radius: ["35%", "65%"], data: data.channels, label: { formatter: "{b}\n{d}%" } }]
    });
    chart("chart-categories", {
      tooltip: { trigger: "axis" }, grid: hgrid,
      xAxis: { type: "value" }, yAxis: { type: "category", data: data.categories.names.slice().reverse() },
      series: [{ type: "bar", data: data.categories.values.slice().reverse(), label: valueLabel }]
    }, data.categories.names.length);
    chart("chart-regions", {
      tooltip: { trigger: "axis" }, legend: legend, grid: grid,
      xAxis: { type: "category", data: data.regions.names, axisLabel: { interval: 0, rotate: 30 } },
      yAxis: [{ type: "value", name: L.intake }, { type: "value", name: "%", max: 100 }],
      series: [{ name: L.intake, type: "bar", data: data.regions.intake, label: { show: true, position: "top", fontSize: 10 } },
               { name: L.completion, type: "line", yAxisIndex: 1, data: data.regions.completion }]
    });
    chart("chart-ranking", {
      tooltip: { trigger: "axis" }, grid: hgrid,
      xAxis: { type: "value", min: 0, max: 100, name: "%" }, yAxis: { type: "category", data: data.ranking.names.slice().reverse() },
      series: [{ name: L.completion, type: "bar", data: data.ranking.completion.slice().reverse(), label: pctLabel }]
    }, data.ranking.names.length);
    // sparklines of the figure cards
    document.querySelectorAll(".spark").forEach(function (el) {
      var values = (el.dataset.series || "").split(",").map(function (v) { return v === "None" || v === "" ? null : Number(v); });
      if (values.filter(function (v) { return v !== null; }).length < 2) return;
      var c = echarts.init(el);
      c.setOption({ animation: false, grid: { left: 0, right: 0, top: 2, bottom: 2 },
        xAxis: { type: "category", show: false, data: values.map(function (_, i) { return i; }) },
        yAxis: { type: "value", show: false, scale: true },
        series: [{ type: "line", data: values, symbol: "none", lineStyle: { width: 1.5 }, connectNulls: true }] });
      charts.push(c);
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  });
})();
