/* The intake desk: suggestions fill the place and category unless the operator has
   typed there; Ctrl+Enter saves from a text box; after a save the phone field has focus. */
(function () {
  "use strict";
  function form() { return document.getElementById("intake-form"); }
  document.addEventListener("DOMContentLoaded", function () {
    var f = form();
    if (!f) return;
    ["id_place", "id_category"].forEach(function (id) {
      var el = document.getElementById(id);
      if (!el) return;
      if (el.value) el.dataset.touched = "1";  // kept from a form sent back with an error
      el.addEventListener("input", function (e) { if (e.isTrusted) el.dataset.touched = el.value ? "1" : ""; });
    });
    f.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && !e.isComposing) {
        e.preventDefault();
        f.requestSubmit ? f.requestSubmit() : f.submit();
      }
    });
    f.addEventListener("submit", function () {
      var b = document.getElementById("intake-save");
      if (b) { setTimeout(function () { b.disabled = true; }, 0); }
    });
    var phone = document.getElementById("id_reporter_phone");
    if (phone && document.getElementById("intake-done")) phone.focus();
  });
  document.addEventListener("htmx:afterSwap", function (e) {
    if (!e.detail || !e.detail.target || e.detail.target.id !== "suggest") return;
    var data = document.getElementById("suggest-data");
    if (!data) return;
    [["id_place", data.dataset.place], ["id_category", data.dataset.category]].forEach(function (pair) {
      var el = document.getElementById(pair[0]);
      if (el && !el.dataset.touched && pair[1]) el.value = pair[1];
    });
  });
})();
