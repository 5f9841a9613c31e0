"""Cyrillic evidence for the language stage: letter and word-ending cues, ru-vs-bg hints.

Russian and Bulgarian share most letters and many short words, and character n-grams
(``langmodel``) separate them poorly on short text. Their grammars differ, though, and
that shows in letters and word endings. Hard cues name one language outright: letters
of one language only (Ukrainian і/ї/є/ґ, Russian ы/э/ё, Macedonian ѓ/ќ/ѕ, Bulgarian ъ
before a consonant) and endings that the other language does not write (Russian
reflexive -лся/-тся/-мся, adjectives -кий/-щий; Bulgarian definite -ият, -ност,
participles -щ/-що, plurals -ци, aorist -хме). Soft cues are endings much more frequent
in one language (Russian dative -ому/-ему, accusative -ую/-ою, adjectives -ная/-ное;
Bulgarian definite -ото/-ето, imperfect -еше, 2nd person -ш without ь, "по-"/"най-"
comparison, "за да"). They were chosen from grammar and checked against Russian and
Bulgarian word lists, not taken from evaluation data. Pure string functions.
"""

from __future__ import annotations

import re

__all__ = ["SOFT_CUE_NATS", "candidates", "evidence", "hard_cue"]

SOFT_CUE_NATS = 4.0  # log-odds per soft cue (ru positive, bg negative)


def _set(words: str) -> frozenset[str]:
    """A frozenset of the space-separated ``words``."""
    return frozenset(words.split())


_UK_LETTERS = re.compile(r"[іїєґІЇЄҐ]")
_UK_ONLY = re.compile(r"[їєґ]")  # Ukrainian letters Belarusian does not write
_BE_LETTERS = re.compile(r"ў")
_NOT_UK = re.compile(r"[ыэёъ]")  # Russian/Belarusian letters Ukrainian does not write
_MK_LETTERS = re.compile(r"[ѓќѕЃЌЅ]")
_MK_SR_LETTERS = re.compile(r"[јљњџЈЉЊЏ]")
# Russian: ы/э/ё; ь not before о (Bulgarian writes ь only in "ьо"); reflexive -ся after
# л/т/м/й/х (делается, остался, встретимся, беспокойся, -вшихся); adjectives -кий/-щий/-жий.
_RU = re.compile(r"[ыэё]|ь(?!о)|[лтмйх]ся\b|[кщж]ий\b", re.IGNORECASE)
# Bulgarian: ъ before a consonant (Russian writes ъ only before е/ё/ю/я); then word endings:
# the definite -ият; abstract nouns -ност (Russian -ность); participles -ащ/-ящ/-ещ and -що
# (нещо, защо); plurals -ци (Russian -цы); aorist 1st plural -хме.
_BG_LETTERS = re.compile(r"ъ(?=[бвгджзйклмнпрстфхцчшщ])", re.IGNORECASE)
_BG_ENDINGS_HARD = re.compile(r"(?:ият|ност|[аяе]щ|що|ци|хме)$")
_BG_EXCEPT = frozenset({"плащ", "лещ", "клещ", "хрящ"})  # Russian words with those endings
# Frequent words that exist in one of the two languages only.
_RU_WORDS = _set(
    "что чтобы для нет когда если сейчас тоже также которая можно надо почему потому "
    "хорошо спасибо пожалуйста здравствуйте сегодня никогда ничего тогда был было была "
    "были будет будут мне меня тебя себя ее их вот же куда он она"
)
_BG_WORDS = _set(
    "това този тази тези ще са какво както който които която което някой някои никой "
    "беше бяха няма нямам трябва вече също сега тук обаче като ако днес утре аз ние вие "
    "тя ви ги ден искам мога знам добре здравейте госпожо господине"
)

# Soft cues: word endings (words of 4+ letters) with a strong but not absolute lean.
_RU_ENDINGS = re.compile(
    r"(?:[^нск]ого|его|му|[аяуюеоиы]ю|ое|[нкшщл]ая|[нкшщ]ую|яя|(?:ск|н)ой|"
    r"[бвгдзкмнпрстфхчшщ]у|[нк]ом|ют|[^т]ке)\b"
)
_RU_SOFT_EXCEPT = _set(
    "много него кого никого някого всякого строго убого свое твое някое никое двое трое "
    "бижу кенгуру гуру табу рагу перу меню интервю салют приют уют абсолют"
)
_BG_ENDINGS = re.compile(
    r"(?:[^л]ото|\w{3}ето|[аяи]ха|\w{2}аше|еше|яше|хте|щ[аи]|щия|[аяеи]ш|[ая]ме|"
    r"[аяу]вам|[уя]ва|ския|ско)\b"
)
_BG_SOFT_EXCEPT = _set(
    "наше ваше карандаш шалаш гуляш лаваш фетиш финиш шабаш ералаш гашиш решето "
    "пища роща чаща теща вещи мощи овощи помощи"
)
# Bulgarian analytic forms: по-/най- comparison, "за да", "ли да", "да" + clitic pronoun.
_BG_PHRASES = re.compile(
    r"(?<![\w-])(?:най-\w|по-(?!\w*(?:ски|цки|ому|ему)\b)\w|за да\b|ли да\b|"
    r"да (?:го|ги|ѝ|й|му|им|ни|ви|ме|те|се)\b)",
    re.IGNORECASE,
)
_WORD = re.compile(r"(?<![\w-])\w{4,}")
_ALL_WORDS = re.compile(r"(?<![\w-])\w+")


def _words(text: str) -> list[str]:
    """Lower-case words of 4+ letters, not the second part of a hyphenated word."""
    return _WORD.findall(text.lower())


def hard_cue(text: str) -> str | None:
    """A language named by letters or endings only it writes, else None.

    Belarusian ў (or і/ї together with ы/э/ё, which Ukrainian does not write); Ukrainian
    і/ї/є/ґ without ы/э/ё/ъ (Ukrainian writes ь, -ся and -кий as Russian does, so only the
    letters count against it); Macedonian ѓ/ќ/ѕ; Russian and Bulgarian by ``_RU``/``_BG``
    above. Conflicting cues give None.
    """
    lower = text.lower()
    if _BE_LETTERS.search(lower) or (_UK_LETTERS.search(lower) and _NOT_UK.search(lower)):
        return "be" if not _UK_ONLY.search(lower) else None
    if _UK_LETTERS.search(lower) and not _MK_LETTERS.search(lower):
        return "uk"
    found = set()
    if _MK_LETTERS.search(text):
        found.add("mk")
    words = _ALL_WORDS.findall(text.lower())
    if _RU.search(text) or any(w in _RU_WORDS for w in words):
        found.add("ru")
    if _BG_LETTERS.search(text) or any(
        w in _BG_WORDS or (_BG_ENDINGS_HARD.search(w) and w not in _BG_EXCEPT) for w in words
    ):
        found.add("bg")
    return found.pop() if len(found) == 1 else None


def candidates(text: str) -> tuple[str, ...]:
    """Cyrillic languages still plausible for ``text`` (Ukrainian needs і/ї/є/ґ, ...)."""
    allowed = ["ru", "bg"]
    if _UK_LETTERS.search(text):
        allowed.append("uk")
    if _MK_SR_LETTERS.search(text):
        allowed.append("mk")
    return tuple(allowed)


def evidence(text: str) -> float:
    """Soft log-odds (nats) of Russian over Bulgarian from word endings and phrases."""
    ru = bg = 0
    for word in _words(text):
        if word not in _RU_SOFT_EXCEPT and _RU_ENDINGS.search(word):
            ru += 1
        if word not in _BG_SOFT_EXCEPT and _BG_ENDINGS.search(word):
            bg += 1
    bg += len(_BG_PHRASES.findall(text))
    return SOFT_CUE_NATS * (ru - bg)
