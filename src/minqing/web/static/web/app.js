// Small behaviours of the pages, as data attributes (no inline handlers: the
// Content-Security-Policy allows scripts from our own files only).
//   <select data-submit-on-change>      submits its form when changed
//   <button data-print>                  prints the page
//   <button data-clone="SELECTOR">       inserts a copy of SELECTOR (emptied) before itself
document.addEventListener("change", function (e) {
  var el = e.target;
  if (el.matches && el.matches("[data-submit-on-change]") && el.form) el.form.submit();
});
document.addEventListener("click", function (e) {
  var el = e.target.closest && e.target.closest("[data-print], [data-clone]");
  if (!el) return;
  if (el.hasAttribute("data-print")) {
    window.print();
  } else {
    var first = document.querySelector(el.getAttribute("data-clone"));
    if (!first) return;
    var copy = first.cloneNode(true);
    copy.querySelectorAll("textarea, input[type=text]").forEach(function (f) { f.value = ""; });
    el.before(copy);
  }
});
