"""In-page checks for browser tests: text in the wrong language and basic accessibility.

axe-core is not installable here (npm only), so :data:`A11Y_JS` checks the same basics in the
page itself: the ``lang`` attribute, images without ``alt``, form fields without a label,
buttons and links without an accessible name, body text with a contrast below WCAG AA
(4.5:1; 3:1 for large text), focusable elements whose focus shows no outline or ring, and
content wider than the viewport (the phone-width check).

:data:`TEXT_JS` returns the page's UI text nodes: text inside ``[translate=no]`` (customer
text, names, subjects: shown as written), inside an element in another language (``lang``
attribute), and inside ``pre``/``code``/``textarea``/``script``/``style`` is left out.
:func:`english_words` and :func:`cjk_text` then apply the language heuristics.
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["A11Y_JS", "TEXT_JS", "cjk_text", "english_words"]

HERE = Path(__file__).parent

TEXT_JS = (HERE / "uitext.js").read_text(encoding="utf-8")

A11Y_JS = (HERE / "a11y.js").read_text(encoding="utf-8")

# Tokens that are not words of the UI language: addresses, links, codes (PO-45001, order.status,
# rules/sla.toml, 96h), quoted text from the mail, numbers, units, and proper nouns.
_ALLOWED = re.compile(
    r"\bmailagent(?: [\w./-]+)+|\S+@\S+|https?://\S+|'[^']*'|\"[^\"]*\"|“[^”]*”|‘[^’]*’|«[^»]*»|"
    r"\b[\w-]*[\d_./#:][\w./#:-]*\b|\b[A-Z][\w&.-]*\b"
)
PROPER = frozenset(
    [
        "mailagent",
        "html",
        "pdf",
        "csv",
        "xlsx",
        "sla",
        "mime",
        "utc",
        "cst",
        "smtp",
        "imap",
        "ok",
        "id",
        "po",
        "pi",
        "so",
        "pcs",
        "usd",
        "eur",
        "cny",
        "mailto",
        "http",
        "https",
        "kb",
        "mb",
        "gb",
        "ngrams",
        "heuristic",
        "argos",
        "bergamot",
        "en",
        "zh",
        "de",
        "ja",
        "es",
        "pt",
        "fr",
        "it",
        "ko",
        "ru",
        "nl",
        "hx",
        "pcb",
        "hdi",
        "fr4",
        "cc",
        "bcc",
        "re",
        "fw",
        "fwd",
    ]
)
_WORDS = re.compile(r"[A-Za-z][a-z]{1,}(?:[ '-][A-Za-z][a-z]+)*")


def english_words(text: str) -> list[str]:
    """English in a Chinese page: two lowercase words in a row after addresses, codes,
    quoted mail text and capitalised proper nouns are taken out (one word alone passes:
    units, method names)."""
    rest = _ALLOWED.sub(" ", text)
    hits = []
    for run in _WORDS.findall(rest):
        words = [w for w in re.split(r"[ ']", run) if w.lower() not in PROPER]
        lower = [w for w in words if w.islower() and "-" not in w]  # "cn-workdays": an id
        if len(lower) >= 2:
            hits.append(run)
    return hits


_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def cjk_text(text: str) -> bool:
    """Chinese/Japanese/Korean script in an English page (outside customer text)."""
    return bool(_CJK.search(text))
