// Message view: hovering a line of the original or of its translation highlights the
// same line in the other column (the translation keeps the original's lines).
document.addEventListener("mouseover", (event) => {
  for (const lit of document.querySelectorAll(".bodies.aligned .ln.hl")) {
    lit.classList.remove("hl");
  }
  const line = event.target.closest ? event.target.closest(".bodies.aligned .ln") : null;
  if (!line) return;
  for (const twin of document.querySelectorAll(`.bodies.aligned .ln[data-l="${line.dataset.l}"]`)) {
    twin.classList.add("hl");
  }
});
