// The search page's count (issue 16): when the first page is full the page comes without it,
// as a link that counts; this fetches the count from GET /search/count (a fragment rendered
// and escaped by the server) and puts it in the link's place (a role="status" paragraph).
(function () {
  "use strict";
  var link = document.querySelector(".search-count a[data-count]");
  if (!link || !window.fetch) return;
  var status = link.parentNode;
  fetch(link.getAttribute("data-count"), { credentials: "same-origin" })
    .then(function (r) { return r.ok ? r.text() : ""; })
    .then(function (html) {
      if (!html.trim()) return;
      var holder = document.createElement("div");
      holder.innerHTML = html;
      var counted = holder.querySelector(".search-count");
      if (counted) status.innerHTML = counted.innerHTML;
    })
    .catch(function () {});
})();

// Results under the header's search box as you type (issue 16). No inline script (the CSP
// forbids it): loaded with defer. Waits 250 ms after the last key, asks GET /search/live for
// an HTML fragment rendered (and escaped) by the server, and shows it only if the box still
// holds those words. Down arrow moves into the results, Escape closes them, Enter still
// submits the form to the full search page.
(function () {
  "use strict";
  var box = document.getElementById("search-box");
  var panel = document.getElementById("search-live");
  if (!box || !panel || !window.fetch) return;
  var timer = null;
  var asked = "";

  function close() {
    panel.hidden = true;
    box.setAttribute("aria-expanded", "false");
  }

  function show(html) {
    panel.innerHTML = html;
    panel.hidden = !html.trim();
    box.setAttribute("aria-expanded", panel.hidden ? "false" : "true");
  }

  function ask() {
    var q = box.value.trim();
    if (q.length < 2) { asked = ""; close(); return; }
    if (q === asked) return;
    asked = q;
    fetch("/search/live?q=" + encodeURIComponent(q), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) { if (box.value.trim() === q) show(html); })
      .catch(function () { close(); });
  }

  box.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 250);
  });
  box.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape") { close(); return; }
    if (ev.key === "ArrowDown" && !panel.hidden) {
      var first = panel.querySelector("a");
      if (first) { ev.preventDefault(); first.focus(); }
    }
  });
  panel.addEventListener("keydown", function (ev) {
    var links = Array.prototype.slice.call(panel.querySelectorAll("a"));
    var i = links.indexOf(document.activeElement);
    if (ev.key === "Escape") { close(); box.focus(); }
    else if (ev.key === "ArrowDown" && i >= 0 && i < links.length - 1) { ev.preventDefault(); links[i + 1].focus(); }
    else if (ev.key === "ArrowUp" && i > 0) { ev.preventDefault(); links[i - 1].focus(); }
    else if (ev.key === "ArrowUp" && i === 0) { ev.preventDefault(); box.focus(); }
  });
  document.addEventListener("click", function (ev) {
    if (!panel.hidden && !box.form.contains(ev.target)) close();
  });
})();
