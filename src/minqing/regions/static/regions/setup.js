/* 从全国区划表建立辖区: choosing a province fills the prefectures, a prefecture the counties
   (from the options endpoint); the confirmation shows that the work is under way. */
(function () {
  "use strict";
  var LEVELS = ["province", "city", "county"];
  function sel(level) { return document.getElementById("setup-" + level); }
  function clear(select) {
    while (select.options.length > 1) select.remove(1);
    select.value = "";
  }
  function fill(select, parent) {
    var form = document.getElementById("setup-form");
    var url = form.dataset.optionsUrl + "?parent=" + encodeURIComponent(parent);
    select.disabled = true;
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        (data.options || []).forEach(function (o) {
          var opt = document.createElement("option");
          opt.value = o.code;
          opt.textContent = o.name;
          select.appendChild(opt);
        });
      })
      .finally(function () { select.disabled = false; select.dataset.loaded = parent; });
  }
  document.addEventListener("DOMContentLoaded", function () {
    if (!document.getElementById("setup-form")) return;
    LEVELS.forEach(function (level, i) {
      var s = sel(level);
      s.addEventListener("change", function () {
        var plan = document.getElementById("setup-plan");
        if (plan) plan.hidden = true;  // the preview was of the former choice
        for (var j = i + 1; j < LEVELS.length; j++) clear(sel(LEVELS[j]));
        var next = sel(LEVELS[i + 1]);
        if (next && s.value) fill(next, s.value);
      });
    });
    var confirm = document.getElementById("setup-confirm");
    if (confirm) {
      confirm.addEventListener("submit", function () {
        var busy = document.getElementById("setup-busy");
        if (busy) busy.hidden = false;
        var b = document.getElementById("setup-go");
        if (b) setTimeout(function () { b.disabled = true; }, 0);
      });
    }
  });
})();
