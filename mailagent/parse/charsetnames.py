"""Charset labels as they appear in mail, mapped to the Python codecs that decode them.

Mailers label text with the *name* of a small charset but write its superset (GBK under
``gb2312``, HKSCS under ``big5``, Microsoft's cp932 under ``shift_jis``, cp1252 under
``iso-8859-1``), or with junk (``x-unknown``, ``"utf-8"\r\n``, ``charset=us-ascii``). This module
cleans a label, maps it to the codec to try first (None when the label is bogus) and gives
the chain of codecs to try when that one rejects the bytes. Text transforms such as ``rot13`` or
``zlib`` are never returned. Pure: no I/O.
"""

from __future__ import annotations

import codecs
import re

__all__ = ["SEVEN_BIT", "WESTERN", "WIDE", "clean_label", "codec_chain", "normalize_charset"]


def _labels(words: str) -> tuple[str, ...]:
    """Whitespace-separated names: keeps the long name tables readable."""
    return tuple(words.split())


# Labels mapped to the codec that real mailers produce for them (supersets) or to None (bogus).
_ALIASES: dict[str, str | None] = {
    **dict.fromkeys(
        _labels(
            "gb2312 gbk x-gbk cp936 ms936 euc-cn gb_2312-80 csgb2312 x-euc-cn chinese gb18030 "
            "windows-936"
        ),
        "gb18030",
    ),
    **dict.fromkeys(_labels("big5 x-big5 cn-big5 csbig5 big5-hkscs big5hkscs"), "big5hkscs"),
    **dict.fromkeys(
        _labels(
            "ks_c_5601-1987 ks_c_5601 ksc5601 ksc_5601 euc-kr cseuckr korean windows-949 "
            "x-windows-949 uhc cp949"
        ),
        "cp949",
    ),
    **dict.fromkeys(
        _labels("shift_jis shift-jis sjis x-sjis ms_kanji csshiftjis windows-31j x-ms-cp932 cp932"),
        "cp932",
    ),
    **dict.fromkeys(
        _labels(
            "iso-8859-1 iso8859-1 iso_8859-1 latin1 latin-1 l1 cp819 windows-1252 cp1252 x-cp1252"
        ),
        "cp1252",
    ),
    **dict.fromkeys(_labels("us-ascii ascii ansi_x3.4-1968 us iso646-us 646"), "ascii"),
    **dict.fromkeys(_labels("utf-7 utf7 unicode-1-1-utf-7 x-utf-7"), "utf-7"),
    **dict.fromkeys(_labels("utf-8 utf8 unicode-1-1-utf-8 x-utf-8"), "utf-8"),
    "windows-874": "cp874",
    "iso-8859-8-i": "iso8859-8",
    **dict.fromkeys(
        _labels(
            "x-unknown unknown unknown-8bit x-user-defined default none 8bit binary charset unicode"
        ),
        None,
    ),
}

# Codecs tried, in order, when the first one rejects the bytes (strict decoding).
_CHAINS: dict[str, tuple[str, ...]] = {
    "ascii": ("ascii", "cp1252", "latin-1"),
    "cp1252": ("cp1252", "latin-1"),
    "big5hkscs": ("big5hkscs", "cp950"),
    "iso2022_jp": ("iso2022_jp", "iso2022_jp_ext", "iso2022_jp_2", "iso2022_jp_2004"),
    "euc_jp": ("euc_jp", "euc_jis_2004"),
    "cp932": ("cp932", "shift_jis_2004"),
    "cp949": ("cp949", "johab"),
}

# Codecs whose encoded form is plain ASCII: "ASCII bytes" does not mean "ASCII text".
SEVEN_BIT = frozenset(
    _labels(
        "utf-7 hz iso2022_jp iso2022_jp_1 iso2022_jp_2 iso2022_jp_2004 iso2022_jp_3 "
        "iso2022_jp_ext iso2022_kr"
    )
)
# Single-byte Western labels that are often put on CJK/Cyrillic bytes by broken mailers.
WESTERN = frozenset({"ascii", "cp1252", "latin-1", "iso8859-15", "iso8859-2", "cp1250"})
WIDE = ("utf-16", "utf-32")
_DENY = frozenset(
    _labels(
        "undefined idna punycode unicode-escape raw-unicode-escape mbcs oem unicode-internal palmos"
    )
)
_LABEL_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:+()-]*")


def clean_label(label: str | None) -> str:
    """``' "UTF-8"\\r\\n'`` -> ``utf-8``; ``charset=us-ascii`` -> ``us-ascii``; junk kept short."""
    if not label:
        return ""
    low = label.strip().strip("\"'").strip().lower()
    if low.startswith("charset="):
        low = low[len("charset=") :].strip("\"'")
    match = _LABEL_RE.match(low)
    return match.group(0)[:40] if match else ""


def normalize_charset(label: str | None) -> str | None:
    """The codec to decode ``label`` with, or None when the label is missing or bogus."""
    clean = clean_label(label)
    if not clean:
        return None
    if clean in _ALIASES:
        return _ALIASES[clean]
    try:
        info = codecs.lookup(clean)
    except LookupError:
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _DENY:
        return None
    return _ALIASES.get(info.name, info.name)


def codec_chain(codec: str) -> tuple[str, ...]:
    """Codecs to try, in order, for bytes that ``codec`` (from normalize_charset) labels."""
    return _CHAINS.get(codec, (codec,))
