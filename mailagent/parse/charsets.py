"""Decode bytes in a declared (often wrong) charset, and RFC 2047 header words, without raising.

Mail in the wild mislabels its charsets: ``gb2312`` bodies that use GBK characters, ``iso-8859-1``
labels on GBK or UTF-8 bytes, ``x-unknown`` and garbage labels, ``ks_c_5601-1987``. Attempts, in
order: the declared label mapped to the superset codec mailers really write
(:mod:`mailagent.charsetnames`: gb2312 -> gb18030, big5 -> big5hkscs, shift_jis -> cp932, ...),
but UTF-8 first when the bytes are valid UTF-8; for a Western label on CJK/Cyrillic-looking bytes,
the script scorer of :mod:`mailagent.charguess`; when the label is bogus or rejects the bytes,
UTF-8, the scorer, ``charset_normalizer`` (on 200+ bytes only), cp1252, and last
``errors="replace"``. Every repair is returned as a defect string, so the caller records *why*
the text looks the way it does.

Pure: no I/O, no logging of message content.
"""

from __future__ import annotations

import binascii
import re
from typing import NamedTuple

import charset_normalizer

from mailagent.parse.charguess import guess_legacy, looks_legacy_multibyte
from mailagent.parse.charsetnames import (
    SEVEN_BIT,
    WESTERN,
    WIDE,
    clean_label,
    codec_chain,
    normalize_charset,
)

__all__ = [
    "Decoded",
    "HeaderText",
    "decode_8bit",
    "decode_bytes",
    "decode_header",
    "has_raw_bytes",
    "normalize_charset",
]


_DETECT_SAMPLE = 64 * 1024  # bytes handed to charset_normalizer (it samples anyway)
_DETECT_MIN = 200  # below this, charset_normalizer answers utf-16-be or cp775 for "Jürgen"
_MAX_HEADER_CHARS = 64 * 1024


class Decoded(NamedTuple):
    """Decoded text, the codec actually used, and what was repaired (None if nothing)."""

    text: str
    charset: str
    defect: str | None


class HeaderText(NamedTuple):
    """A decoded header value and the repairs made while decoding it."""

    text: str
    defects: tuple[str, ...]


def _strict(data: bytes, codec: str) -> tuple[str, str] | None:
    for name in codec_chain(codec):
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
    label = clean_label(declared)
    codec = normalize_charset(label)
    if data.isascii() and codec not in SEVEN_BIT and not (codec or "").startswith(WIDE):
        if codec is None and b"\x1b$" in data:
            found = _strict(data, "iso2022_jp")
            if found:
                return Decoded(found[0], found[1], f"charset {label or 'missing'}: iso-2022-jp")
        defect = f"unknown charset {label!r}: content is ASCII" if label and not codec else None
        return Decoded(data.decode("ascii"), codec or "ascii", defect)
    if codec is None:
        return _detect(data, f"unknown charset {label!r}" if label else "no charset declared")
    if codec != "utf-8" and not codec.startswith(WIDE):
        as_utf8 = _utf8(data)
        if as_utf8 is not None and _non_ascii(as_utf8) >= 2:
            return Decoded(as_utf8, "utf-8", f"declared {label} but content is valid UTF-8")
    found = _strict(data, codec)
    if found is not None:
        text, used = found
        if used in WESTERN and looks_legacy_multibyte(data):
            guess = guess_legacy(data, threshold=0.8)
            if guess is not None:
                return Decoded(guess[0], guess[1], f"declared {label} but content looks {guess[1]}")
        return Decoded(text, used, None)
    # A few broken sequences (a truncated message, a bad byte) in otherwise right text:
    # keep the declared charset rather than re-guessing the whole text.
    lenient = data.decode(codec_chain(codec)[0], errors="replace")
    bad = lenient.count("\ufffd")
    if bad <= max(2, _non_ascii(lenient) // 100):
        return Decoded(lenient, codec, f"{bad} invalid byte sequence(s) in {label} replaced")
    return _detect(data, f"content invalid in declared {label}", codec)


def _detect(data: bytes, why: str, fallback: str = "cp1252") -> Decoded:
    """UTF-8, then the legacy CJK/Cyrillic scorer, then charset_normalizer, then replace."""
    as_utf8 = _utf8(data)
    if as_utf8 is not None:
        return Decoded(as_utf8, "utf-8", f"{why}: decoded as utf-8")
    if looks_legacy_multibyte(data):
        guess = guess_legacy(data, threshold=0.6)
        if guess is not None:
            return Decoded(guess[0], guess[1], f"{why}: detected {guess[1]}")
    if len(data) >= _DETECT_MIN:  # shorter samples make charset_normalizer guess wildly
        results = charset_normalizer.from_bytes(data[:_DETECT_SAMPLE])
        best = results.best()
        if best is not None:
            # Equal-chaos ties among Western code pages: cp1252 is by far the most common.
            best = next(
                (m for m in results if m.encoding == "cp1252" and m.chaos <= best.chaos), best
            )
            codec = normalize_charset(best.encoding)
            found = _strict(data, codec) if codec and not codec.startswith(WIDE) else None
            if found is not None:
                return Decoded(found[0], found[1], f"{why}: detected {found[1]}")
    found = _strict(data, "cp1252")
    if found is not None:
        return Decoded(found[0], found[1], f"{why}: assumed {found[1]}")
    text = data.decode(fallback, errors="replace")
    return Decoded(text, fallback, f"{why}: decoded as {fallback} with replacement characters")


# --- RFC 2047 encoded words ---------------------------------------------------------------

_EW_RE = re.compile(r"=\?([^?\s*]+)(?:\*[^?\s]*)?\?([bBqQ])\?([^?]*?)\?=")
_QHEX_RE = re.compile(rb"=([0-9A-Fa-f]{2})")
_FOLD_RE = re.compile(r"\r?\n(?=[ \t])|\r?\n$")


def _b_decode(text: str) -> bytes | None:
    cleaned = re.sub(r"[^A-Za-z0-9+/]", "", text)
    if len(cleaned) % 4 == 1:
        cleaned = cleaned[:-1]
    try:
        return binascii.a2b_base64(cleaned + "=" * (-len(cleaned) % 4))
    except binascii.Error:
        return None


def _q_decode(text: str) -> bytes:
    raw = text.replace("_", " ").encode("utf-8", "surrogateescape")
    return _QHEX_RE.sub(lambda m: bytes([int(m.group(1), 16)]), raw)


def has_raw_bytes(value: str) -> bool:
    """True when ``value`` carries undecoded bytes (surrogate escapes from the ``email`` parser)."""
    return not value.isascii() and any("\udc80" <= ch <= "\udcff" for ch in value)


def decode_8bit(value: str, hint: str | None = None) -> tuple[str, str]:
    """Decode the surrogate-escaped raw bytes in a header value; returns (text, codec).

    Raw 8-bit headers are UTF-8 when written by modern software (RFC 6532); older mailers used
    the body's charset, passed as ``hint``; else CJK/Cyrillic scoring, else cp1252. Header
    values are too short for statistical detection.
    """
    raw = value.encode("utf-8", "surrogateescape")
    as_utf8 = _utf8(raw)
    if as_utf8 is not None:
        return as_utf8, "utf-8"
    if normalize_charset(hint):
        decoded = decode_bytes(raw, hint)
        return decoded.text, decoded.charset
    guess = guess_legacy(raw, threshold=0.6) if looks_legacy_multibyte(raw) else None
    if guess is not None:
        return guess
    found = _strict(raw, "cp1252")
    return found if found is not None else (raw.decode("cp1252", errors="replace"), "cp1252")


class _WordDecoder:
    """Accumulates the pieces of one header value (literal text and encoded words)."""

    def __init__(self, hint: str | None) -> None:
        self.hint = hint
        self.pieces: list[str] = []
        self.pending: list[bytes] = []
        self.charset = ""
        self.defects: list[str] = []

    def literal(self, text: str) -> None:
        self.flush()
        if has_raw_bytes(text):
            text, used = decode_8bit(text, self.hint)
            self.defects.append(f"8-bit header bytes decoded as {used}")
        self.pieces.append(text)

    def word(self, charset: str, data: bytes) -> None:
        if self.pending and charset != self.charset:
            self.flush()
        self.pending.append(data)
        self.charset = charset

    def flush(self) -> None:
        if self.pending:
            decoded = decode_bytes(b"".join(self.pending), self.charset or None)
            if decoded.defect:
                self.defects.append(f"encoded-word: {decoded.defect}")
            self.pieces.append(decoded.text)
        self.pending, self.charset = [], ""


def decode_header(value: str, hint: str | None = None) -> HeaderText:
    """Decode a raw header value: unfold, decode 8-bit bytes and (broken) RFC 2047 words.

    Raw 8-bit bytes (surrogate escapes from the ``email`` parser) inside encoded words are
    decoded with the word's charset, elsewhere by :func:`decode_8bit`. Adjacent encoded words
    in the same charset are joined *before* decoding, which repairs multibyte characters split
    across words; whitespace between encoded words is dropped (RFC 2047 section 6.2).
    """
    decoder = _WordDecoder(hint)
    if len(value) > _MAX_HEADER_CHARS:
        value = value[:_MAX_HEADER_CHARS]
        decoder.defects.append(f"header longer than {_MAX_HEADER_CHARS} characters truncated")
    value = _FOLD_RE.sub("", value)
    pos = 0
    for match in _EW_RE.finditer(value):
        between = value[pos : match.start()]
        pos = match.end()
        kind, payload = match.group(2).lower(), match.group(3)
        data = _b_decode(payload) if kind == "b" else _q_decode(payload)
        if data is None:
            decoder.defects.append("undecodable base64 encoded-word kept as is")
            decoder.literal(between + match.group(0))
            continue
        if between.strip() or not decoder.pending:
            decoder.literal(between)
        decoder.word(match.group(1).lower(), data)
    decoder.literal(value[pos:])
    text = "".join(decoder.pieces).replace("\r", " ").replace("\n", " ")
    return HeaderText(text, tuple(dict.fromkeys(decoder.defects)))
