// Accessibility basics checked in the page (see pagecheck.py); returns a list of problems.
() => {
  const problems = [];
  const where = (el) => {
    const t = (el.innerText || el.value || el.getAttribute("name") || "").trim().slice(0, 40);
    return `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}${el.className && typeof el.className === "string" ? "." + el.className.split(" ")[0] : ""} "${t}"`;
  };
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none";
  };
  if (!document.documentElement.lang) problems.push("html element has no lang attribute");
  for (const img of document.querySelectorAll("img")) {
    if (!img.hasAttribute("alt")) problems.push("image without alt: " + (img.getAttribute("src") || "").slice(0, 60));
  }
  for (const f of document.querySelectorAll("input, select, textarea")) {
    if (f.type === "hidden" || f.type === "submit" || f.type === "button") continue;
    if (f.labels && f.labels.length) continue;
    if (f.getAttribute("aria-label") || f.getAttribute("aria-labelledby") || f.getAttribute("title")) continue;
    problems.push("form field without a label: " + where(f));
  }
  for (const b of document.querySelectorAll("button, a[href], [role=button], summary")) {
    const name = (b.innerText || "").trim() || b.getAttribute("aria-label") || b.getAttribute("title")
      || [...b.querySelectorAll("img[alt]")].map((i) => i.alt).join("");
    if (!name && visible(b)) problems.push("control without an accessible name: " + b.outerHTML.slice(0, 80));
  }
  // contrast of text (WCAG relative luminance)
  const rgba = (c) => { const m = c.match(/[\d.]+/g) || [0, 0, 0, 0]; return m.map(Number).concat(m.length < 4 ? [1] : []); };
  const lum = ([r, g, b]) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    let out = [255, 255, 255];
    for (const c of layers.reverse()) out = out.map((v, i) => c[3] * c[i] + (1 - c[3]) * v);
    return out;
  };
  const seen = new Set();
  for (const el of document.body.querySelectorAll("*")) {
    if (![...el.childNodes].some((n) => n.nodeType === 3 && n.nodeValue.trim())) continue;
    if (!visible(el) || el.closest("[disabled]") || el.closest("iframe")) continue;
    const s = getComputedStyle(el);
    const fg = rgba(s.color);
    const bg = background(el);
    const mixed = fg.slice(0, 3).map((v, i) => fg[3] * v + (1 - fg[3]) * bg[i]);
    const [a, b] = [lum(mixed), lum(bg)];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(s.fontSize), bold = parseInt(s.fontWeight, 10) >= 700;
    const large = size >= 24 || (bold && size >= 18.66);
    if (ratio < (large ? 3 : 4.5)) {
      const key = s.color + "/" + bg.join(",");
      if (!seen.has(key)) { seen.add(key); problems.push(`low contrast ${ratio.toFixed(2)}: ${where(el)} (${s.color} on rgb(${bg.map(Math.round)}))`); }
    }
  }
  // focus must show: outline or box-shadow on focus (checked on a sample of each kind)
  const kinds = new Map();
  for (const el of document.querySelectorAll("a[href], button:not([disabled]), input:not([type=hidden]), select, textarea, summary")) {
    const k = el.tagName + (el.className || "");
    if (kinds.has(k) || !visible(el)) continue;
    kinds.set(k, el);
  }
  const before = document.activeElement;
  for (const el of kinds.values()) {
    el.focus({ preventScroll: true });
    if (document.activeElement !== el) continue;
    const s = getComputedStyle(el);
    const outline = s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0;
    const ring = s.boxShadow && s.boxShadow !== "none";
    if (!outline && !ring) problems.push("focus not visible: " + where(el));
  }
  if (before && before !== document.body && before.focus) before.focus({ preventScroll: true });
  else if (document.activeElement && document.activeElement.blur) document.activeElement.blur();
  if (document.documentElement.scrollWidth > window.innerWidth + 1) {
    const wide = [...document.body.querySelectorAll("*")].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1 && visible(e))
      .filter((e) => !e.closest(".scroll-x")).slice(0, 3).map(where);
    if (wide.length) problems.push(`page wider than the viewport (${document.documentElement.scrollWidth} > ${window.innerWidth}): ${wide.join("; ")}`);
  }
  return problems;
}
