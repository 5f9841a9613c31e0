"""Decode bytes in a declared (often wrong) charset, and RFC 2047 header words, without raising.

Mail in the wild mislabels its charsets: ``gb2312`` bodies that use GBK characters, ``iso-8859-1``
labels on GBK or UTF-8 bytes, ``x-unknown`` and garbage labels, ``ks_c_5601-1987``. The order of
attempts is: the declared label, normalised to the superset codec mailers really use (gb2312 ->
gb18030, big5 -> big5hkscs, shift_jis -> cp932, ...); UTF-8 when the bytes are valid UTF-8;
a small script scorer (:mod:`mailagent.charguess`) for Chinese, Japanese, Korean and Cyrillic text
under a Western label; ``charset_normalizer``; and last ``errors="replace"``. Every repair is
reported as a defect string so the caller can record *why* the text looks the way it does.

Pure: no I/O, no logging of message content.
"""

from __future__ import annotations

import binascii
import codecs
import re
from typing import NamedTuple

import charset_normalizer

from mailagent.charguess import guess_legacy, looks_legacy_multibyte

__all__ = ["Decoded", "HeaderText", "decode_bytes", "decode_header", "normalize_charset"]

_DETECT_SAMPLE = 64 * 1024  # bytes handed to charset_normalizer (it samples anyway)
_MAX_HEADER_CHARS = 64 * 1024

# Labels mapped to the codec that real mailers produce for them (supersets) or to None (bogus).
_ALIASES: dict[str, str | None] = {
    **dict.fromkeys(
        ("gb2312", "gbk", "x-gbk", "cp936", "ms936", "euc-cn", "gb_2312-80", "csgb2312",
         "x-euc-cn", "chinese", "gb18030", "windows-936"),
        "gb18030",
    ),
    **dict.fromkeys(("big5", "x-big5", "cn-big5", "csbig5", "big5-hkscs", "big5hkscs"), "big5hkscs"),
    **dict.fromkeys(
        ("ks_c_5601-1987", "ks_c_5601", "ksc5601", "ksc_5601", "euc-kr", "cseuckr", "korean",
         "windows-949", "x-windows-949", "uhc", "cp949"),
        "cp949",
    ),
    **dict.fromkeys(
        ("shift_jis", "shift-jis", "sjis", "x-sjis", "ms_kanji", "csshiftjis", "windows-31j",
         "x-ms-cp932", "cp932"),
        "cp932",
    ),
    **dict.fromkeys(
        ("iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1", "cp819",
         "windows-1252", "cp1252", "x-cp1252"),
        "cp1252",
    ),
    **dict.fromkeys(("us-ascii", "ascii", "ansi_x3.4-1968", "us", "iso646-us", "646"), "ascii"),
    **dict.fromkeys(("utf-7", "utf7", "unicode-1-1-utf-7", "x-utf-7"), "utf-7"),
    **dict.fromkeys(("utf-8", "utf8", "unicode-1-1-utf-8", "x-utf-8"), "utf-8"),
    "windows-874": "cp874",
    "iso-8859-8-i": "iso8859-8",
    **dict.fromkeys(
        ("x-unknown", "unknown", "unknown-8bit", "x-user-defined", "default", "none", "8bit",
         "binary", "charset", "unicode"),
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
_SEVEN_BIT = frozenset(
    {"utf-7", "hz", "iso2022_jp", "iso2022_jp_1", "iso2022_jp_2", "iso2022_jp_2004",
     "iso2022_jp_3", "iso2022_jp_ext", "iso2022_kr"}
)
# Single-byte Western labels that are often put on CJK/Cyrillic bytes by broken mailers.
_WESTERN = frozenset({"ascii", "cp1252", "latin-1", "iso8859-15", "iso8859-2", "cp1250"})
_WIDE = ("utf-16", "utf-32")
_DENY = frozenset(
    {"undefined", "idna", "punycode", "unicode-escape", "raw-unicode-escape", "mbcs", "oem",
     "unicode-internal", "palmos"}
)
_LABEL_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:+()-]*")


class Decoded(NamedTuple):
    """Decoded text, the codec actually used, and what was repaired (None if nothing)."""

    text: str
    charset: str
    defect: str | None


class HeaderText(NamedTuple):
    """A decoded header value and the repairs made while decoding it."""

    text: str
    defects: tuple[str, ...]


def _clean_label(label: str | None) -> str:
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
    clean = _clean_label(label)
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


def _strict(data: bytes, codec: str) -> tuple[str, str] | None:
    for name in _CHAINS.get(codec, (codec,)):
        try:
            return data.decode(name), name
        except (UnicodeDecodeError, LookupError):
            continue
    return None


def _utf8(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _non_ascii(text: str) -> int:
    return sum(1 for ch in text if ord(ch) > 0x7F)


def decode_bytes(data: bytes, declared: str | None) -> Decoded:
    """Decode ``data`` labelled ``declared``; never raises. See the module docstring."""
    label = _clean_label(declared)
    codec = normalize_charset(label)
    if data.isascii() and codec not in _SEVEN_BIT and not (codec or "").startswith(_WIDE):
        if codec is None and b"\x1b$" in data:
            found = _strict(data, "iso2022_jp")
            if found:
                return Decoded(found[0], found[1], f"charset {label or 'missing'}: iso-2022-jp")
        defect = f"unknown charset {label!r}: content is ASCII" if label and not codec else None
        return Decoded(data.decode("ascii"), codec or "ascii", defect)
    if codec is None:
        why = f"unknown charset {label!r}" if label else "no charset declared"
        return _detect(data, why, "utf-8")
    if codec != "utf-8" and not codec.startswith(_WIDE):
        as_utf8 = _utf8(data)
        if as_utf8 is not None and _non_ascii(as_utf8) >= 2:
            return Decoded(as_utf8, "utf-8", f"declared {label} but content is valid UTF-8")
    found = _strict(data, codec)
    if found is not None:
        text, used = found
        if used in _WESTERN and looks_legacy_multibyte(data):
            guess = guess_legacy(data, threshold=0.8)
            if guess is not None:
                return Decoded(guess[0], guess[1], f"declared {label} but content looks {guess[1]}")
        return Decoded(text, used, None)
    return _detect(data, f"content invalid in declared {label}", codec)


def _detect(data: bytes, why: str, fallback: str) -> Decoded:
    as_utf8 = _utf8(data)
    if as_utf8 is not None:
        return Decoded(as_utf8, "utf-8", f"{why}: decoded as utf-8")
    if looks_legacy_multibyte(data):
        guess = guess_legacy(data, threshold=0.6)
        if guess is not None:
            return Decoded(guess[0], guess[1], f"{why}: detected {guess[1]}")
    results = charset_normalizer.from_bytes(data[:_DETECT_SAMPLE])
    best = results.best()
    if best is not None:
        # Equal-chaos ties among Western code pages: cp1252 is by far the most common.
        best = next((m for m in results if m.encoding == "cp1252" and m.chaos <= best.chaos), best)
        codec = normalize_charset(best.encoding)
        found = _strict(data, codec) if codec else None
        if found is not None:
            return Decoded(found[0], found[1], f"{why}: detected {found[1]}")
    text = data.decode(fallback, errors="replace")
    return Decoded(text, fallback, f"{why}: decoded as {fallback} with replacement characters")


# --- RFC 2047 encoded words ---------------------------------------------------------------

_EW_RE = re.compile(r"=\?([^?\s*]+)(?:\*[^?\s]*)?\?([bBqQ])\?([^?]*?)\?=")
_QHEX_RE = re.compile(rb"=([0-9A-Fa-f]{2})")
_FOLD_RE = re.compile(r"\r?\n(?=[ \t])|\r?\n$")


def _b_decode(text: str) -> bytes | None:
    cleaned = re.sub(r"[^A-Za-z0-9+/]", "", text)
    cleaned += "=" * (-len(cleaned) % 4)
    try:
        return binascii.a2b_base64(cleaned)
    except binascii.Error:
        return None


def _q_decode(text: str) -> bytes:
    raw = text.replace("_", " ").encode("ascii", "surrogateescape")
    return _QHEX_RE.sub(lambda m: bytes([int(m.group(1), 16)]), raw)


def decode_header(value: str, hint: str | None = None) -> HeaderText:
    """Decode a raw header value: unfold, decode 8-bit bytes and (broken) RFC 2047 words.

    Raw 8-bit bytes (carried as surrogate escapes by the ``email`` package) are decoded with
    ``hint`` (e.g. the body's charset), UTF-8 or detection. Adjacent encoded words in the
    same charset are joined *before* decoding, which repairs multibyte characters split
    across words; whitespace between encoded words is dropped (RFC 2047 section 6.2).
    """
    defects: list[str] = []
    if len(value) > _MAX_HEADER_CHARS:
        value = value[:_MAX_HEADER_CHARS]
        defects.append(f"header longer than {_MAX_HEADER_CHARS} characters truncated")
    value = _FOLD_RE.sub("", value)
    if not value.isascii():
        raw = value.encode("utf-8", "surrogateescape")
        if any(0xDC80 <= ord(ch) <= 0xDCFF for ch in value):
            decoded = decode_bytes(raw, hint)
            value = decoded.text
            defects.append(f"8-bit header bytes decoded as {decoded.charset}")
    pieces: list[str] = []
    pending: list[bytes] = []
    pending_charset = ""
    pos = 0

    def flush() -> None:
        nonlocal pending, pending_charset
        if pending:
            decoded = decode_bytes(b"".join(pending), pending_charset or None)
            if decoded.defect:
                defects.append(f"encoded-word: {decoded.defect}")
            pieces.append(decoded.text)
        pending, pending_charset = [], ""

    for match in _EW_RE.finditer(value):
        between = value[pos : match.start()]
        charset, kind, payload = match.group(1), match.group(2).lower(), match.group(3)
        data = _b_decode(payload) if kind == "b" else _q_decode(payload)
        if data is None:
            defects.append("undecodable base64 encoded-word kept as is")
            flush()
            pieces.extend((between, match.group(0)))
            pos = match.end()
            continue
        if between.strip() or (pending and charset.lower() != pending_charset):
            flush()
            if between.strip():
                pieces.append(between)
        elif not pending:
            pieces.append(between)
        pending.append(data)
        pending_charset = charset.lower()
        pos = match.end()
    flush()
    pieces.append(value[pos:])
    text = "".join(pieces).replace("\r", " ").replace("\n", " ")
    return HeaderText(text, tuple(defects))
