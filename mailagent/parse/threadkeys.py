"""Pure helpers for threading: normalised subjects and subject reference tokens.

A reference token is a bracketed tracking code such as ``[HX-Q2026-0117]`` or
``[SO-2026-0088]`` that our replies put in the subject; it survives clients that drop
``References``. The normalised subject drops reply/forward prefixes in many languages
(Re, Fwd, AW, WG, SV, VS, RV, RE：, 回复, 答复, 转发, 回覆, 轉寄) and bracketed tags.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["extract_tokens", "normalize_subject"]

_PREFIX = re.compile(
    r"^\s*(?:(?:re|fw|fwd|aw|wg|sv|vs|rv|tr|odp|ynt|antw|r|res|enc|回复|答复|回覆|转发|轉寄|轉發)"
    r"\s*(?:\[\d+\]|\(\d+\))?\s*[:：]\s*)+",
    re.IGNORECASE,
)
_TAG = re.compile(r"\[[^\]]{0,40}\]|【[^】]{0,40}】")
_TOKEN = re.compile(r"\[\s*([A-Z]{2,6}(?:-[A-Z]?\d{2,6}){1,3})\s*\]")
_SPACE = re.compile(r"\s+")


def extract_tokens(subject: str) -> tuple[str, ...]:
    """Bracketed tracking tokens in ``subject``, upper-cased, in order of appearance."""
    return tuple(dict.fromkeys(m.group(1).upper() for m in _TOKEN.finditer(subject or "")))


def normalize_subject(subject: str) -> str:
    """Subject without reply/forward prefixes and bracketed tags, case-folded."""
    s = unicodedata.normalize("NFKC", subject or "")
    previous = None
    while previous != s:
        previous = s
        s = _PREFIX.sub("", s)
        s = _TAG.sub(" ", s).strip()
    return _SPACE.sub(" ", s).strip().casefold()
