// Keyboard shortcuts of the conversation pages (issue 16). No inline script (the CSP forbids
// it): this file is loaded with defer. j/k move between conversations, Enter/o opens, x
// selects, r replies, a approves the draft, e edits it, / focuses the search box if the page
// has one. Keys typed into a field, or with Ctrl/Alt/Meta, are left alone.
(function () {
  "use strict";
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.thread"));
  var current = -1;

  function move(to) {
    if (!rows.length) return;
    current = Math.max(0, Math.min(rows.length - 1, to));
    rows.forEach(function (r, i) { r.classList.toggle("current", i === current); });
    rows[current].focus();
  }

  rows.forEach(function (row, i) {
    row.addEventListener("focus", function () { current = i; move(i); });
  });

  var all = document.getElementById("select-all");
  if (all) {
    all.addEventListener("change", function () {
      document.querySelectorAll("tr.thread input[name=thread]").forEach(function (c) {
        c.checked = all.checked;
      });
    });
  }

  function click(id) {
    var el = document.getElementById(id);
    if (el) { el.click(); return true; }
    return false;
  }

  function approveRow(row) {
    var draft = row.getAttribute("data-draft");
    var form = document.getElementById("bulk");
    if (!draft || !form) return;
    var input = document.createElement("input");
    input.type = "hidden"; input.name = "draft"; input.value = draft;
    form.appendChild(input);
    var action = document.createElement("input");
    action.type = "hidden"; action.name = "action"; action.value = "approve";
    form.appendChild(action);
    form.submit();
  }

  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.altKey || ev.metaKey) return;
    var t = ev.target;
    var tag = t && t.tagName ? t.tagName.toLowerCase() : "";
    if (tag === "input" || tag === "textarea" || tag === "select" || (t && t.isContentEditable)) return;
    var row = current >= 0 ? rows[current] : null;
    switch (ev.key) {
      case "j": move(current + 1); break;
      case "k": move(current - 1); break;
      case "Enter": case "o":
        if (!row || tag === "a" || tag === "button") return;
        window.location.href = row.getAttribute("data-href"); break;
      case "x":
        if (!row) return;
        var box = row.querySelector("input[name=thread]");
        if (box) box.checked = !box.checked;
        break;
      case "r":
        if (click("reply-button")) break;
        if (row) window.location.href = row.getAttribute("data-href") + "#compose";
        break;
      case "a":
        if (click("approve-button")) break;
        if (row) approveRow(row);
        break;
      case "e":
        if (click("edit-link")) break;
        if (row && row.getAttribute("data-draft")) {
          window.location.href = "/drafts/" + row.getAttribute("data-draft");
        }
        break;
      case "/":
        var search = document.getElementById("search-box");
        if (search) search.focus(); else return;
        break;
      default: return;
    }
    ev.preventDefault();
  });
})();
