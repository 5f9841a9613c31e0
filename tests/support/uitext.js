// The UI text of the page (see pagecheck.py): text nodes and title/placeholder/aria-label
// outside [translate=no], elements in another language and pre/code/textarea/script/style.
() => {
  const pageLang = (document.documentElement.lang || "").slice(0, 2);
  const skipTags = new Set(["SCRIPT", "STYLE", "PRE", "CODE", "TEXTAREA", "NOSCRIPT", "TEMPLATE"]);
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const text = node.nodeValue.trim();
    if (!text) continue;
    let el = node.parentElement, skip = false;
    while (el && el !== document.documentElement) {
      if (skipTags.has(el.tagName) || el.getAttribute("translate") === "no") { skip = true; break; }
      const lang = el.getAttribute("lang");
      if (lang && lang.slice(0, 2) !== pageLang) { skip = true; break; }
      el = el.parentElement;
    }
    if (!skip) out.push(text);
  }
  for (const el of document.querySelectorAll("[title], [placeholder], [aria-label]")) {
    if (el.closest("[translate=no]")) continue;
    for (const a of ["title", "placeholder", "aria-label"]) {
      const v = el.getAttribute(a);
      if (v && v.trim() && !(el.tagName === "SPAN" && a === "title" && v.includes("@"))) out.push(v.trim());
    }
  }
  return out;
}
