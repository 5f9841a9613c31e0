"""Spelling cues between Spanish and Portuguese, the closest pair the Latin model scores.

Character n-grams and function words leave Spanish and Portuguese close on short text.
Their spelling differs in ways a 1-3 gram model sees poorly: Spanish diphthongs ("ue" in
puede, nuevo, fuerza; Portuguese pode, novo, força), word-final -n where Portuguese writes
-m or -ão (imagen/imagem, función/função), ñ and ll (Portuguese nh and lh), the conjunction
"y" (Portuguese "e"). :func:`adjust` applies them only when those two languages are the
best two, as a tie-breaker; it never brings either of them into a text. Written from
orthography, not from evaluation data. Pure functions.
"""

from __future__ import annotations

import re

__all__ = ["CUE_NATS", "adjust"]

CUE_NATS = 2.0  # log-odds per cue word

_SPANISH = re.compile(r"(?<![qg])ue|ñ|ll|[aeiouáéíóú]n$|^y$")
_PORTUGUESE = re.compile(r"[ãõ]|[nl]h|[aeiouéê]m$")


def adjust(
    scores: tuple[tuple[str, float], ...], words: list[str]
) -> tuple[tuple[str, float], ...]:
    """``scores`` (best first) with es/pt spelling cues added when es and pt lead."""
    if len(scores) < 2 or {scores[0][0], scores[1][0]} != {"es", "pt"}:
        return scores
    es = sum(1 for w in words if _SPANISH.search(w))
    pt = sum(1 for w in words if _PORTUGUESE.search(w))
    shift = {"es": CUE_NATS * es, "pt": CUE_NATS * pt}
    adjusted = [(lang, value + shift.get(lang, 0.0)) for lang, value in scores]
    return tuple(sorted(adjusted, key=lambda kv: -kv[1]))
