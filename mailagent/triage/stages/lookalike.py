"""Look-alike domains: is ``candidate`` made to pass for one of our customers' domains?

Checks, in order, each with a reason: an internationalised (punycode) domain whose skeleton
equals a known one; the same name under another top-level domain (``acme.co`` for
``acme.com``); the same name with hyphens or dots added or removed; homoglyph skeletons
(``rn`` for ``m``, ``0`` for ``o``, Cyrillic ``а`` for Latin ``a``, ...); a small edit
distance (Damerau-Levenshtein: a swapped, dropped, added or changed letter); and the known
domain used as a sub-domain of another (``acme.com.pay-portal.net``). Pure.
"""

from __future__ import annotations

import contextlib
import unicodedata

__all__ = ["damerau", "lookalike", "skeleton"]

_GLYPHS = {
    "0": "o", "1": "l", "3": "e", "5": "s", "7": "t", "8": "b", "9": "g", "|": "l", "i": "l",
    # Cyrillic and Greek letters that look Latin
    "а": "a", "в": "b", "с": "c", "е": "e", "һ": "h", "і": "l", "ј": "j", "к": "k", "м": "m",
    "н": "h", "о": "o", "р": "p", "ѕ": "s", "т": "t", "у": "y", "х": "x", "ԁ": "d", "ԛ": "q",
    "ԝ": "w", "α": "a", "ο": "o", "ρ": "p", "ν": "v", "τ": "t", "ι": "l", "κ": "k",
}  # fmt: skip
_SEQUENCES = (("rn", "m"), ("vv", "w"), ("cl", "d"), ("nn", "m"))
_MULTI_PART_SUFFIXES = frozenset({"co", "com", "net", "org", "ac", "or", "ne", "gov", "edu"})


def _decode(domain: str) -> str:
    labels = []
    for label in domain.lower().strip(".").split("."):
        if label.startswith("xn--"):
            with contextlib.suppress(UnicodeError):
                label = label.encode("ascii").decode("idna")
        labels.append(label)
    return ".".join(labels)


def _split(domain: str) -> tuple[str, str]:
    """(name, suffix): ``mail.acme.co.uk`` -> (``acme``, ``co.uk``)."""
    parts = domain.split(".")
    if len(parts) >= 3 and parts[-2] in _MULTI_PART_SUFFIXES and len(parts[-1]) == 2:
        return parts[-3], ".".join(parts[-2:])
    if len(parts) >= 2:
        return parts[-2], parts[-1]
    return domain, ""


def skeleton(text: str) -> str:
    """``text`` with look-alike characters and sequences folded to one form."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = "".join(_GLYPHS.get(c, c) for c in text)
    for seq, repl in _SEQUENCES:
        text = text.replace(seq, repl)
    return text.replace("-", "").replace("_", "")


def damerau(a: str, b: str, limit: int = 3) -> int:
    """Optimal-string-alignment distance, stopping early above ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                row[j] = min(row[j], prev2[j - 2] + 1)
        if min(row) > limit:
            return limit + 1
        prev2, prev = prev, row
    return prev[-1]


def lookalike(candidate: str, known: str, max_distance: int = 2) -> str | None:
    """Why ``candidate`` imitates ``known`` (None if it does not, or is the same domain)."""
    cand, real = candidate.lower().strip("."), known.lower().strip(".")
    if not cand or not real or cand == real or cand.endswith("." + real):
        return None
    decoded = _decode(cand)
    c_name, c_suffix = _split(decoded)
    k_name, k_suffix = _split(real)
    if len(k_name) < 4:
        return None  # too short to tell imitation from coincidence
    if decoded != cand and skeleton(decoded).replace(".", "") == skeleton(real).replace(".", ""):
        return f"{candidate} is an internationalised (punycode) copy of {known}"
    if real in cand and cand.startswith(real + "."):
        return f"{candidate} uses {known} as a sub-domain of another domain"
    if c_name == k_name and c_suffix != k_suffix:
        return f"{candidate} has the name of {known} under another top-level domain"
    flat_c, flat_k = c_name.replace("-", ""), k_name.replace("-", "")
    if flat_c == flat_k:
        return f"{candidate} is {known} with hyphens changed"
    if skeleton(c_name) == skeleton(k_name):
        return f"{candidate} imitates {known} with look-alike characters"
    allowed = max_distance if len(k_name) >= 8 else 1
    distance = damerau(flat_c, flat_k, allowed)
    if distance <= allowed:
        return f"{candidate} differs from {known} by {distance} letter(s)"
    return None
