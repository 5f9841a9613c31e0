"""Spelling cues between Spanish and Portuguese, the closest pair the Latin model scores.

Character n-grams and function words leave Spanish and Portuguese close on short text.
Their spelling differs in ways a 1-3 gram model sees poorly: Spanish diphthongs ("ue" in
puede, nuevo, fuerza; Portuguese pode, novo, força), word-final -n where Portuguese writes
-m or -ão (imagen/imagem, función/função), ñ and ll (Portuguese nh and lh), the conjunction
"y" (Portuguese "e"); Galician (scored as a blend of the two) has its own cues against
each. :func:`adjust` applies them only when two of those languages are the best two, as a
tie-breaker; it never brings any of them into a text. :func:`basque` recognises Basque,
which has no profile, by its function words and suffixes. Written from
orthography, not from evaluation data. Pure functions.
"""

from __future__ import annotations

import re

__all__ = ["BASQUE_MIN_SHARE", "CUE_NATS", "adjust", "basque"]

CUE_NATS = 2.0  # log-odds per cue word

_SPANISH = re.compile(r"(?<![qg])ue|ñ|ll|[aeiouáéíóú]n$|^y$")
_PORTUGUESE = re.compile(r"[ãõ]|[nl]h|[aeiouéê]m$")
# Galician against Portuguese: -ción/-sión (Portuguese -ção/-são), x where Portuguese
# writes j/g (xunto/junto, xente/gente), "unha" and its compounds (Portuguese "uma"), ñ
# (Portuguese nh), -ble (Portuguese -vel), no double s (noso/nosso), máis/moi/xa/coa/
# polo/pola/dende/tamén/grazas/cando, and the 2nd plural -ades (poderiades).
_GALICIAN = re.compile(
    r"[cs]i[oó]ns?$|^x[aeiouáéíóú]|unhas?$|ñ|ble$|^(?:máis|moi|xa|coa|coas|polo|pola|"
    r"polos|polas|dende|tamén|grazas|non|nun|cun|onte|cando|noso|nosa|nosos|nosas|voso|"
    r"vosa|vosos|vosas)$|ades$"
)
_PORTUGUESE_NOT_GL = re.compile(
    r"[ãõç]|lh|(?<!u)nh|ss|vel$|^(?:não|muito|mais|também|com|pelo|pela|ainda|obrigad\w*|"
    r"você|uma|quando)$"
)
# Spanish against Galician: diphthongs, ll, and articles/conjunctions Galician writes as
# o/os/as/do/e.
_SPANISH_NOT_GL = re.compile(r"(?<![qg])ue|ll|^(?:y|el|los|las|del|la|una|muy|pero|cuando)$")
# Basque: its own function words and auxiliaries. Basque has no langdetect profile and
# its n-grams land on Italian, French or Dutch; a text whose words are largely these is
# answered as Basque (then "other language" by the stage).
_BASQUE_WORDS = frozenset(
    [
        "eta",
        "da",
        "du",
        "dute",
        "dut",
        "dugu",
        "duzu",
        "zen",
        "zuen",
        "zuten",
        "dira",
        "dago",
        "daude",
        "dago",
        "egin",
        "izan",
        "izango",
        "behar",
        "nahi",
        "ahal",
        "ez",
        "bai",
        "bat",
        "hau",
        "hori",
        "hura",
        "baina",
        "edo",
        "ere",
        "oso",
        "nire",
        "zure",
        "gure",
        "zuen",
        "mesedez",
        "eskerrik",
        "asko",
        "kaixo",
        "gaur",
        "bihar",
        "atzo",
        "non",
        "zer",
        "nor",
        "nola",
        "noiz",
        "zergatik",
        "beste",
        "guztia",
        "guztiak",
        "dena",
        "genituen",
        "zituen",
        "ditu",
        "dituzte",
        "nuke",
        "genuke",
        "dezakezue",
        "dezake",
    ]
)
BASQUE_MIN_SHARE = 0.25  # share of a text's words that must be Basque function words
_BASQUE_MORPHOLOGY = re.compile(r"tz|tx|[aeiou]k$|tik$|ko$|aren$|etan$|ean$")


def adjust(
    scores: tuple[tuple[str, float], ...], words: list[str]
) -> tuple[tuple[str, float], ...]:
    """``scores`` (best first) with spelling cues added when two of es/pt/gl lead."""
    if len(scores) < 2:
        return scores
    lead = {scores[0][0], scores[1][0]}
    if scores[0][0] in ("es", "pt") and "gl" in (lang for lang, _ in scores[:3]):
        lead = {scores[0][0], "gl"}  # Galician close behind a parent: compare those two
    if lead == {"es", "pt"}:
        pairs = {"es": _SPANISH, "pt": _PORTUGUESE}
    elif lead == {"gl", "pt"}:
        pairs = {"gl": _GALICIAN, "pt": _PORTUGUESE_NOT_GL}
    elif lead == {"gl", "es"}:
        pairs = {"gl": _GALICIAN, "es": _SPANISH_NOT_GL}
    else:
        return scores
    shift = {
        lang: CUE_NATS * sum(1 for w in words if pattern.search(w))
        for lang, pattern in pairs.items()
    }
    adjusted = [(lang, value + shift.get(lang, 0.0)) for lang, value in scores]
    return tuple(sorted(adjusted, key=lambda kv: -kv[1]))


def basque(words: list[str]) -> bool:
    """True when ``words`` read as Basque: enough of its function words and morphology."""
    if len(words) < 3:
        return False
    own = sum(1 for w in words if w in _BASQUE_WORDS)
    shaped = sum(1 for w in words if _BASQUE_MORPHOLOGY.search(w))
    return (
        own >= 2
        and (own + shaped) / len(words) >= BASQUE_MIN_SHARE + 0.25
        and (own / len(words) >= BASQUE_MIN_SHARE or shaped >= own)
    )
