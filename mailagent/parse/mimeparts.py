"""Walk a parsed MIME tree: choose the body, decode it, and extract the attachments.

The body is the text/plain of the top ``multipart/alternative`` (HTML kept alongside, and
converted to text when it is the only body); in ``multipart/mixed`` further inline text/plain
parts without a file name are appended (mobile clients interleave text and pictures).
Every other leaf part becomes an :class:`~mailagent.records.Attachment`; an attached
``message/rfc822`` stays one opaque ``forwarded-message.eml`` (its text is not the new body,
and not descending bounds the work). The walk is iterative and bounded by ``max_parts`` and
``_MAX_DEPTH``; transfer-encoding damage (bad base64 padding, junk characters) is repaired and
reported, never raised.

Pure: works on an ``email.message.Message`` already in memory; no I/O (large parts were
decoded to spool files before, by ``parse.spool``; here they are only referred to).
"""

from __future__ import annotations

import binascii
import hashlib
import quopri
import re
from dataclasses import dataclass
from email.message import Message
from email.policy import compat32

from mailagent.config import ParseSettings
from mailagent.parse.charsets import decode_bytes, decode_header
from mailagent.parse.filenames import sanitize_filename
from mailagent.parse.htmltext import html_to_text
from mailagent.parse.spool import HEADER as SPOOL_HEADER
from mailagent.parse.spool import Spool, SpooledPart
from mailagent.records import Attachment

__all__ = ["Body", "extract_body"]

_MAX_DEPTH = 32
_META_CHARSET = re.compile(
    rb"<meta[^>]{0,200}?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]{2,40})", re.I
)
_B64_JUNK = re.compile(rb"[^A-Za-z0-9+/=]")
# Re-serialising an attached message: CRLF as on the wire, and no re-folding of its headers.
_SERIALISE = compat32.clone(linesep="\r\n", max_line_length=0)


@dataclass(frozen=True, slots=True)
class Body:
    """What the MIME walk produced for one message."""

    text: str
    html: str | None
    attachments: tuple[Attachment, ...]
    charsets: tuple[str, ...]
    defects: tuple[str, ...]


def _children(part: Message) -> list[Message]:
    payload = part.get_payload()
    return [p for p in payload if isinstance(p, Message)] if isinstance(payload, list) else []


def _walk(root: Message, max_parts: int, defects: list[str]) -> list[tuple[Message, str]]:
    """Parts in document order with their path ("1.2"), bounded; rfc822 bodies not entered."""
    order: list[tuple[Message, str]] = []
    stack: list[tuple[Message, str, int]] = [(root, "0", 0)]
    while stack:
        part, path, depth = stack.pop()
        if len(order) >= max_parts:
            defects.append(f"more than {max_parts} MIME parts: the rest was skipped")
            break
        order.append((part, path))
        if part.get_content_maintype() != "multipart":
            continue
        if depth >= _MAX_DEPTH:
            defects.append(f"part {path}: nested deeper than {_MAX_DEPTH} levels: not walked")
            continue
        kids = _children(part)
        stack.extend(
            (kid, f"{path}.{i}", depth + 1) for i, kid in reversed(list(enumerate(kids, 1)))
        )
    return order


def _param(part: Message, name: str, header: str = "content-type") -> str | None:
    try:
        value = part.get_param(name, None, header)
    except Exception:  # a broken parameter must not lose the message
        return None
    if isinstance(value, tuple):  # RFC 2231: (charset, language, percent-decoded text)
        charset, _lang, text = value
        try:
            raw = str(text).encode("latin-1", "surrogateescape")
        except UnicodeEncodeError:
            raw = str(text).encode("utf-8", "surrogateescape")
        return decode_bytes(raw, str(charset) if charset else "utf-8").text
    return None if value is None else str(value)


def _ascii(value: str) -> str:
    """Protocol tokens (types, ids) with damage dropped: 8-bit bytes never belong there."""
    return value if value.isascii() else value.encode("ascii", "ignore").decode("ascii")


def _is_attachment(part: Message) -> bool:
    disposition = str(part.get("content-disposition", "")).split(";")[0].strip().lower()
    return disposition == "attachment" or bool(
        _param(part, "filename", "content-disposition") or _param(part, "name")
    )


def _select(part: Message, depth: int, allowed: set[int]) -> tuple[list[Message], Message | None]:
    """Body parts under ``part``: (text/plain parts, text/html part)."""
    if id(part) not in allowed or depth > _MAX_DEPTH or _is_attachment(part):
        return [], None
    ctype = part.get_content_type()
    if ctype == "text/plain":
        return [part], None
    if ctype == "text/html":
        return [], part
    if part.get_content_maintype() != "multipart":
        return [], None
    if not part.is_multipart():  # multipart without a usable boundary: the text is all there is
        return [part], None
    kids = _children(part)
    if part.get_content_subtype() == "alternative":
        plain: list[Message] = []
        html = None
        for kid in kids:
            kid_plain, kid_html = _select(kid, depth + 1, allowed)
            plain = plain or kid_plain
            html = kid_html or html  # the last HTML alternative is the richest
        return plain, html
    if part.get_content_subtype() == "related" and kids:
        return _select(kids[0], depth + 1, allowed)
    plain, html = [], None
    mixed = part.get_content_subtype() == "mixed"
    for kid in kids:
        kid_plain, kid_html = _select(kid, depth + 1, allowed)
        if not plain and html is None:
            plain, html = kid_plain, kid_html
        elif mixed and plain and kid_plain and kid.get_content_type() == "text/plain":
            plain.extend(kid_plain)
    return plain, html


def _b64(data: bytes, defects: list[str], path: str) -> bytes:
    compact = b"".join(data.split())
    cleaned = _B64_JUNK.sub(b"", compact)
    repaired = cleaned != compact
    out: list[bytes] = []
    for chunk in re.split(rb"=+", cleaned):
        if len(chunk) % 4 == 1:
            chunk, repaired = chunk[:-1], True
        try:
            out.append(binascii.a2b_base64(chunk + b"=" * (-len(chunk) % 4)))
        except binascii.Error:
            repaired = True
    if repaired:
        defects.append(f"part {path}: damaged base64 repaired")
    return b"".join(out)


def _payload(part: Message, path: str, defects: list[str]) -> bytes:
    """The part's decoded bytes; message/* parts are serialised."""
    if part.is_multipart():
        try:
            kids = _children(part)
            if part.get_content_type() == "message/rfc822" and kids:
                return kids[0].as_bytes(policy=_SERIALISE)
            return b"".join(kid.as_bytes(policy=_SERIALISE) for kid in kids)
        except Exception as exc:  # serialising a broken message is best effort
            defects.append(f"part {path}: cannot serialise {part.get_content_type()}: {exc!r}")
            return b""
    cte = str(part.get("content-transfer-encoding", "")).strip().lower().split(";")[0].strip()
    if cte == "base64":
        raw = part.get_payload()
        # Non-ASCII in base64 is damage; it becomes "?" and is dropped (and reported) by _b64.
        return _b64(raw.encode("ascii", "replace") if isinstance(raw, str) else b"", defects, path)
    try:
        # Raw 8-bit bodies come back byte-exact (the parser kept them surrogate-escaped).
        decoded = part.get_payload(decode=True)
    except Exception as exc:  # best effort: damage is recorded as a defect
        defects.append(f"part {path}: cannot decode {cte or '7bit'} payload: {exc!r}")
        return b""
    data = decoded if isinstance(decoded, bytes) else b""
    if cte == "quoted-printable" and str(part.get("content-transfer-encoding")).lower() != cte:
        data = quopri.decodestring(data)  # "quoted-printable " etc.: the stdlib left it encoded
    return data


def _decode_text(part: Message, data: bytes, hint: str | None) -> tuple[str, str, str | None]:
    declared = _param(part, "charset")
    if not declared and part.get_content_type() == "text/html":
        meta = _META_CHARSET.search(data[:4096])
        declared = meta.group(1).decode("ascii") if meta else None
    decoded = decode_bytes(data, declared or hint)
    return decoded.text, decoded.charset, decoded.defect


def _filename(part: Message, hint: str | None) -> str | None:
    name = _param(part, "filename", "content-disposition") or _param(part, "name")
    if name and ("=?" in name or not name.isascii()):
        name = decode_header(name, hint).text
    return name


def _attachment(
    part: Message,
    path: str,
    index: int,
    settings: ParseSettings,
    hint: str | None,
    defects: list[str],
    spool: Spool | None = None,
) -> Attachment:
    ctype = _ascii(part.get_content_type()) or "application/octet-stream"
    name = "forwarded-message.eml" if ctype == "message/rfc822" else None
    name = _filename(part, hint) or name
    filename = sanitize_filename(name, ctype, index)
    token = str(part.get(SPOOL_HEADER, "")).strip()
    spooled = spool.take(token) if spool is not None and token else None
    if spooled is not None:
        return _spooled(part, filename, ctype, spooled, path, settings, defects)
    data = _payload(part, path, defects)
    size = len(data)
    truncated = size > settings.max_attachment_bytes
    if truncated:
        defects.append(
            f"part {path}: attachment {filename!r} is {size} bytes, over max_attachment_bytes "
            f"({settings.max_attachment_bytes}): payload not kept"
        )
        data = b""
    disposition = str(part.get("content-disposition", "")).split(";")[0].strip().lower()
    content_id = _ascii(str(part.get("content-id", ""))).strip().strip("<>") or None
    return Attachment(
        filename=filename,
        content_type=ctype,
        size=size,
        sha256=hashlib.sha256(data).hexdigest(),
        payload=data,
        content_id=content_id,
        inline=disposition == "inline" or (not disposition and content_id is not None),
        truncated=truncated,
    )


def _disposition(part: Message) -> tuple[str | None, bool]:
    disposition = str(part.get("content-disposition", "")).split(";")[0].strip().lower()
    content_id = _ascii(str(part.get("content-id", ""))).strip().strip("<>") or None
    return content_id, disposition == "inline" or (not disposition and content_id is not None)


def _spooled(
    part: Message,
    filename: str,
    ctype: str,
    spooled: SpooledPart,
    path: str,
    settings: ParseSettings,
    defects: list[str],
) -> Attachment:
    """An attachment whose decoded bytes are already in a spool file (``parse.spool``)."""
    truncated = spooled.size > settings.max_attachment_bytes
    if truncated:
        defects.append(
            f"part {path}: attachment {filename!r} is {spooled.size} bytes, over "
            f"max_attachment_bytes ({settings.max_attachment_bytes}): payload not kept"
        )
    content_id, inline = _disposition(part)
    return Attachment(
        filename=filename,
        content_type=ctype,
        size=spooled.size,
        sha256=hashlib.sha256(b"").hexdigest() if truncated else spooled.sha256,
        payload=b"",
        content_id=content_id,
        inline=inline,
        truncated=truncated,
        spool_path=None if truncated else str(spooled.path),
    )


def extract_body(
    root: Message, settings: ParseSettings, hint: str | None = None, spool: Spool | None = None
) -> Body:
    """Choose and decode the body, extract attachments; ``hint`` is a fallback charset.

    Parts marked by :func:`mailagent.parse.spool.carve` become attachments that point at
    their spool file (``spool`` maps the markers to files).
    """
    defects: list[str] = []
    order = _walk(root, settings.max_parts, defects)
    plain, html_part = _select(root, 0, {id(part) for part, _path in order})
    body_ids = {id(p) for p in plain} | ({id(html_part)} if html_part is not None else set())
    charsets: list[str] = []
    texts: list[str] = []
    html: str | None = None
    attachments: list[Attachment] = []
    for part, path in order:
        if id(part) in body_ids:
            text, used, defect = _decode_text(part, _payload(part, path, defects), hint)
            charsets.append(used)
            if defect:
                defects.append(f"part {path}: {defect}")
            if part is html_part:
                html = text
            else:
                texts.append(text)
        elif part.get_content_maintype() != "multipart" or not part.is_multipart():
            attachments.append(
                _attachment(part, path, len(attachments) + 1, settings, hint, defects, spool)
            )
        defects.extend(f"part {path}: {type(d).__name__}" for d in part.defects)
    text = "\n\n".join(t.strip("\n") for t in texts)
    if not text.strip() and html:  # HTML-only, or an empty text/plain alternative
        text = html_to_text(html)
    return Body(text, html, tuple(attachments), tuple(dict.fromkeys(charsets)), tuple(defects))
