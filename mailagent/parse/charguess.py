"""Guess the legacy multibyte/Cyrillic charset of short mislabelled text.

``charset_normalizer`` is unreliable on a subject line or a two-sentence body in GBK (it often
answers big5 or cp949). Export mail is dominated by a few legacy charsets, so this module tries
just those and scores each strict decoding by how much of the non-ASCII text falls into the
*common* characters of that script: GB2312 level-1 hanzi, Big5 level-1 hanzi, kana and JIS
level-1 kanji, Hangul syllables, lower-case Cyrillic. A wrong decoding of CJK bytes produces
rare characters, so the right charset wins clearly. Short GBK text can also read as valid
Hangul, so Korean is chosen only when nearly all of it is Hangul *and* it has Korean word
spacing (Chinese and Japanese put no spaces between words); otherwise ties go to Chinese, the
main audience of this tool.

Pure and linear in the input.
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["guess_legacy", "looks_legacy_multibyte"]

_SAMPLE = 16 * 1024  # characters scored per candidate
_HIGH_RUN = re.compile(rb"[\x80-\xff]{4,}")
_SPACED = re.compile(r"[^\x00-\x7f] (?=[^\x00-\x7f])")


def looks_legacy_multibyte(data: bytes) -> bool:
    """True when most high bytes come in runs of 4+, as in CJK or Cyrillic words.

    Western single-byte text has isolated accented letters ("Grüße", "ação"), so it
    never qualifies; GBK, Big5, Shift_JIS, EUC-KR and Cyrillic text nearly always do.
    """
    sample = data[: _SAMPLE * 4]
    high = sum(1 for b in sample if b >= 0x80)
    if high < 4:
        return False
    in_runs = sum(len(m.group(0)) for m in _HIGH_RUN.finditer(sample))
    return in_runs * 2 >= high


def _lead(ch: str, codec: str) -> int:
    try:
        encoded = ch.encode(codec)
    except UnicodeEncodeError:
        return -1
    return encoded[0] if len(encoded) == 2 else -1


def _gb(ch: str) -> bool:
    lead = _lead(ch, "gb2312")
    return 0xB0 <= lead <= 0xD7 or 0xA1 <= lead <= 0xA3


def _big5(ch: str) -> bool:
    lead = _lead(ch, "big5")
    return 0xA1 <= lead <= 0xC6


def _jp(ch: str) -> bool:
    if "\u3040" <= ch <= "\u30ff":
        return True
    lead = _lead(ch, "cp932")
    return 0x88 <= lead <= 0x98 or lead == 0x81


def _kr(ch: str) -> bool:
    return "\uac00" <= ch <= "\ud7a3" or _lead(ch, "cp949") == 0xA1


def _cyr(ch: str) -> bool:
    return "\u0430" <= ch <= "\u044f" or ch == "\u0451"


_CANDIDATES: tuple[tuple[str, Callable[[str], bool]], ...] = (
    ("gb18030", _gb),
    ("big5hkscs", _big5),
    ("cp932", _jp),
    ("euc_jp", _jp),
    ("cp1251", _cyr),
    ("koi8-r", _cyr),
)
_KOREAN_MIN = 0.95  # share of Hangul needed before Korean beats a Chinese reading
_KOREAN_SPACING = 0.06  # spaces between two non-ASCII characters, per non-ASCII character


def _score(text: str, common: Callable[[str], bool]) -> float:
    wide = [ch for ch in text[:_SAMPLE] if ord(ch) > 0x7F]
    if len(wide) < 2:
        return 0.0
    return sum(1 for ch in wide if common(ch)) / len(wide)


def _decode(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        return None


def guess_legacy(data: bytes, *, threshold: float) -> tuple[str, str] | None:
    """``(text, codec)`` for the best-scoring legacy charset at or above ``threshold``."""
    korean = _decode(data, "cp949")
    if korean is not None and _score(korean, _kr) >= max(threshold, _KOREAN_MIN):
        wide = sum(1 for ch in korean[:_SAMPLE] if ord(ch) > 0x7F)
        if len(_SPACED.findall(korean[:_SAMPLE])) > _KOREAN_SPACING * wide:
            return korean, "cp949"
    best: tuple[float, str, str] | None = None
    for codec, common in _CANDIDATES:
        text = _decode(data, codec)
        score = 0.0 if text is None else _score(text, common)
        if text is not None and score >= threshold and (best is None or score > best[0]):
            best = (score, text, codec)
    return (best[1], best[2]) if best else None
