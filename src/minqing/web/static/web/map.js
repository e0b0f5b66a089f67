// 挂图作战: the counties of the region coloured by a figure (ECharts map series, outlines and
// figures from the app itself: /api/v1/map or the public board's map.json). A click on a
// county opens its page; the table under the map carries the same numbers and links.
(function () {
  function ready(fn) { if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn); }
  ready(function () {
    var el = document.getElementById("region-map");
    if (!el) return;
    var select = document.getElementById("map-metric");
    var tbody = document.querySelector("#map-table tbody");
    var head = document.getElementById("map-metric-head");
    var chart = window.echarts ? echarts.init(el, null, { renderer: "canvas" }) : null;
    var serial = 0;
    function drill(code) { return el.dataset.drill.replace("CODE", encodeURIComponent(code)); }
    function fmt(v, metric) { return v === null || v === undefined ? el.dataset.labelNone : (metric === "satisfaction" ? v + "%" : String(v)); }
    function table(data, metric) {
      tbody.textContent = "";
      data.features.forEach(function (f) {
        var tr = document.createElement("tr"), td = document.createElement("td"), a = document.createElement("a");
        a.href = drill(f.properties.code); a.textContent = f.properties.name; a.dataset.code = f.properties.code;
        td.appendChild(a); tr.appendChild(td);
        var v = document.createElement("td"); v.textContent = fmt(f.properties.value, metric); tr.appendChild(v);
        tbody.appendChild(tr);
      });
      head.textContent = select.options[select.selectedIndex].text;
    }
    function draw(data, metric) {
      if (!chart) return;
      var shaped = data.features.filter(function (f) { return f.geometry; });
      el.dataset.features = String(shaped.length);
      if (!shaped.length) { el.classList.add("map-empty"); return; }
      var name = "mq-" + (data.region || "all");
      echarts.registerMap(name, { type: "FeatureCollection", features: shaped });
      var values = shaped.map(function (f) { return f.properties.value; }).filter(function (v) { return v !== null; });
      var max = values.length ? Math.max.apply(null, values) : 1;
      var min = values.length ? Math.min.apply(null, values) : 0;
      var colours = metric === "satisfaction" ? ["#d94e5d", "#eac736", "#50a3ba"] : (metric === "red" ? ["#fdecea", "#c62828"] : ["#e3f2fd", "#1565c0"]);
      chart.clear();
      chart.setOption({
        animation: false,
        tooltip: { trigger: "item", formatter: function (p) {
          if (p.seriesType === "scatter") return (p.data.kind === "case" ? el.dataset.labelCase : el.dataset.labelVisit) + " " + (p.data.label || "");
          return (p.data && p.data.label ? p.data.label : p.name) + "：" + fmt(p.value === undefined || isNaN(p.value) ? null : p.value, metric);
        } },
        visualMap: { min: metric === "satisfaction" ? Math.min(min, 100) : 0, max: Math.max(max, metric === "satisfaction" ? min : 1), calculable: true, left: 0, bottom: 0, itemHeight: 90, inRange: { color: colours }, seriesIndex: 0 },
        geo: { map: name, nameProperty: "code", roam: true, label: { show: false }, itemStyle: { borderColor: "#555" } },
        series: [
          { type: "map", geoIndex: 0, nameProperty: "code",
            data: shaped.map(function (f) { return { name: f.properties.code, value: f.properties.value, label: f.properties.name }; }) },
          { type: "scatter", coordinateSystem: "geo", symbolSize: 6, itemStyle: { color: "#ff6f00" }, z: 5,
            data: (data.points || []).map(function (p) { return { value: [p.lng, p.lat], kind: p.kind, label: p.code || p.date || "" }; }) }
        ]
      });
      // county names on the map, at each outline's centre
      chart.setOption({ geo: { label: { show: true, fontSize: 11, formatter: function (p) {
        var f = shaped.filter(function (x) { return x.properties.code === p.name; })[0]; return f ? f.properties.name : p.name; } } } });
      el.dataset.metric = metric;
    }
    function load() {
      var metric = select.value, mine = ++serial;
      var url = el.dataset.src + (el.dataset.src.indexOf("?") >= 0 ? "&" : "?") + "metric=" + encodeURIComponent(metric);
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (data) { if (mine !== serial) return; table(data, metric); draw(data, metric); el.dataset.loaded = metric; })
        .catch(function () { el.dataset.loaded = "error"; });
    }
    if (chart) {
      chart.on("click", function (p) {
        if (p.componentType === "geo" || p.seriesType === "map") window.location.href = drill(p.name);
      });
      window.addEventListener("resize", function () { chart.resize(); });
    }
    select.addEventListener("change", load);
    load();
  });
})();
