// The import page's progress bar: polls the job's small JSON endpoint and reloads the page
// when the check or the import has finished (no inline script: the CSP forbids them).
(function () {
  "use strict";
  var box = document.getElementById("progress");
  if (!box) return;
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("progress-bar");
  var text = document.getElementById("progress-text");
  var en = (document.documentElement.lang || "").indexOf("en") === 0;
  function fmt(s) {
    if (s === null || s === undefined) return "—";
    s = Math.round(s);
    return s >= 60 ? Math.floor(s / 60) + (en ? " min " : " 分 ") + (s % 60) + (en ? " s" : " 秒") : s + (en ? " s" : " 秒");
  }
  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (d) {
        if (d.finished) { window.location.reload(); return; }
        var total = d.total || 0;
        bar.max = Math.max(total, 1);
        bar.value = Math.min(d.done || 0, bar.max);
        var rate = d.rate ? d.rate.toLocaleString() : "—";
        text.textContent = en
          ? (d.done || 0).toLocaleString() + " / " + total.toLocaleString() + " rows · " + rate + " rows/s · " + fmt(d.seconds_left) + " left"
          : (d.done || 0).toLocaleString() + " / " + total.toLocaleString() + " 行 · 每秒 " + rate + " 行 · 剩余 " + fmt(d.seconds_left);
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 500);
})();
