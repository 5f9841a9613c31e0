"""Raw RFC 5322 bytes -> :class:`~mailagent.records.InboundMail`, repairing instead of crashing.

The MIME tree is parsed with the ``compat32`` policy: it keeps header values as raw strings, so
walking parts and reading parameters never triggers header parsing (which raises on some broken
headers) and is several times faster on messages with thousands of parts. Each header the
pipeline needs is then parsed on its own with ``policy.default`` (addresses, dates) inside its
own ``try``; on failure the compat32/raw value is decoded by :mod:`mailagent.charsets` and a
defect is recorded. Values carrying RFC 2047 encoded-words or raw 8-bit bytes always go through
``charsets.decode_header``, because ``policy.default`` decodes them with Python's codec for
the *label* (losing GBK characters under ``gb2312``, unable to notice a mislabelled charset).

Only a message that cannot be represented at all raises :class:`~mailagent.errors.ParseError`
(empty, over ``max_message_bytes``, no header block, parser failure); everything else is
repaired and listed in ``InboundMail.defects``. Pure: no I/O, no database.

Size note: header decoding and the message-level repairs live here (~320 lines); the MIME walk,
body choice and attachments are in :mod:`mailagent.mimeparts`.
"""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import UTC, datetime
from email import policy
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime

from mailagent.config import ParseSettings
from mailagent.errors import ParseError
from mailagent.parse import autoreply
from mailagent.parse.charsets import decode_8bit, decode_header, has_raw_bytes, normalize_charset
from mailagent.parse.mimeparts import extract_body
from mailagent.parse.quoting import split_reply
from mailagent.parse.spool import Spool, carve
from mailagent.records import Address, InboundMail

__all__ = ["parse_message"]

log = logging.getLogger(__name__)

MAX_HEADERS = 500
MAX_DEFECTS = 100
MAX_REFERENCES = 100
_MODERN = policy.default
_MSG_ID = re.compile(r"<([^<>]{1,998})>")
_EMAIL = re.compile(r'^("[^"\r\n]{1,64}"|[^@\s<>()\[\],;:"]+)@[^@\s<>()\[\],;:"]+$')
_FOLD = re.compile(r"\r?\n")
# NUL and lone surrogates (e.g. from UTF-7) are not storable text (PostgreSQL rejects them).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_BARE_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_MAX_SCAN = 100_000
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_ADDR_SPEC = rf"{_ATEXT}(?:\.{_ATEXT})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
_SIMPLE_MAILBOX = re.compile(
    r'[ \t]*(?:(?:"([^"\\]*)"|([A-Za-z0-9!#$%&\'*+/=?^_`{|}~ \t-]*?))[ \t]*'
    rf"<({_ADDR_SPEC})>|({_ADDR_SPEC}))[ \t]*(?:,(?=[ \t]*\S)|$)"
)
_BOM = b"\xef\xbb\xbf"
# "Subject  : x" (RFC 822 obsolete syntax): the stdlib parser stops the header block there.
_OBS_FIELD = re.compile(rb"^([!-9;-~]+)[ \t]+:", re.MULTILINE)
_FIELD = re.compile(rb"^(From [^\r\n]*\r?\n)?[!-9;-~]+[ \t]*:")


def _unfold(value: str) -> str:
    return _FOLD.sub("", value).strip()


def _clean(text: str) -> str:
    return _UNSTORABLE.sub(lambda m: "" if m.group(0) == "\x00" else "\ufffd", text)


def _text(name: str, value: str, hint: str | None, defects: list[str]) -> str:
    """Decoded text of one header value."""
    if "=?" in value or not value.isascii():
        decoded = decode_header(value, hint)
        defects.extend(f"{name}: {d}" for d in decoded.defects)
        return _clean(decoded.text.strip())
    # Plain ASCII: the value as written, unfolded (what policy.default shows for unstructured
    # fields; structured ones are parsed where they are used: addresses, dates, ids).
    # Building a policy.default header object per field would cost more than the whole parse.
    return _clean(_unfold(value))


# Longer address fields skip the stdlib parsers: bare addresses are extracted instead.
MAX_ADDRESS_FIELD = 4096
_TOKEN_SPLIT = re.compile(r"[\s,;<>\"()\[\]]+")


def _bare_emails(value: str) -> list[str]:
    """addr-specs found in ``value``, token by token: linear in its length (a regex search
    over a 40 KB run of word characters is quadratic and took seconds)."""
    found = []
    for token in _TOKEN_SPLIT.split(value[:_MAX_SCAN]):
        if "@" in token and len(token) <= 320:
            found += _BARE_EMAIL.findall(token)
    return found


def _simple_pairs(value: str) -> list[tuple[str, str]] | None:
    """The everyday address list (``Name <a@b>``, ``"Last, First" <a@b>``, ``a@b``, comma
    separated, no comments or groups) read by one regex; None for anything else."""
    pairs: list[tuple[str, str]] = []
    pos, end = 0, len(value)
    while pos < end:
        found = _SIMPLE_MAILBOX.match(value, pos)
        if found is None:
            return None
        quoted, phrase, angled, bare = found.groups()
        if bare is not None:
            pairs.append(("", bare))
        else:
            pairs.append((quoted if quoted is not None else " ".join(phrase.split()), angled))
        pos = found.end()
    return pairs or None


def _address_pairs(name: str, value: str, defects: list[str]) -> list[tuple[str, str]] | None:
    """(display name, addr-spec) pairs via policy.default; None when it cannot be used."""
    if "=?" in value or not value.isascii():
        return None
    simple = _simple_pairs(_unfold(value))
    if simple is not None:
        return simple
    try:
        header = _MODERN.header_fetch_parse(name, value)
        return [(a.display_name, a.addr_spec) for a in getattr(header, "addresses", ())]
    except Exception as exc:  # best effort: damage is recorded as a defect
        defects.append(
            f"{name}: policy.default cannot parse the address list "
            f"({type(exc).__name__}); compat32 parser used"
        )
        return None


def _compat_pairs(
    name: str, value: str, hint: str | None, defects: list[str]
) -> list[tuple[str, str]]:
    """compat32's lenient parser, then names decoded; bare addr-specs if even that fails."""
    if has_raw_bytes(value):
        value = decode_8bit(value, hint)[0]
    try:
        pairs = getaddresses([_unfold(value)])
    except Exception as exc:  # e.g. RecursionError on endless phrase lists
        defects.append(
            f"{name}: address list unparseable ({type(exc).__name__}); bare addresses extracted"
        )
        return [("", addr) for addr in _bare_emails(value)]
    return [(decode_header(display, hint).text if display else "", addr) for display, addr in pairs]


def _addresses(
    name: str, values: list[str], hint: str | None, defects: list[str]
) -> tuple[Address, ...]:
    found: list[Address] = []
    for value in values:
        pairs = None
        if len(value) > MAX_ADDRESS_FIELD:  # the stdlib parsers are quadratic on long fields
            pairs = _simple_pairs(_unfold(value)) if value.isascii() else None
            if pairs is None:
                defects.append(
                    f"{name}: {len(value)}-character address field: bare addresses extracted"
                )
                pairs = [("", addr) for addr in _bare_emails(value)]
        if pairs is None:
            pairs = _address_pairs(name, value, defects)
        if pairs is None:
            pairs = _compat_pairs(name, value, hint, defects)
        for display, addr in pairs:
            email = _clean(addr.strip().lower())
            if _EMAIL.match(email):
                found.append(Address(_clean(display.strip()), email))
                continue
            entry = f"{display} {addr}".strip()
            bare = _bare_emails(entry)
            if len(bare) == 1:  # e.g. an unclosed quote swallowed "<boss@acme.example>"
                defects.append(f"{name}: repaired malformed address {entry[:80]!r}")
                found.append(Address("", bare[0].lower()))
            elif entry:
                defects.append(f"{name}: skipped invalid address {entry[:80]!r}")
    return tuple(found)


def _date(value: str | None, defects: list[str]) -> datetime | None:
    if value is None:
        return None
    # policy.default's Date header is parsedate_to_datetime on the unfolded value; calling
    # it directly skips building a header object per message.
    try:
        parsed: datetime | None = parsedate_to_datetime(_unfold(value))
    except (TypeError, ValueError, IndexError, OverflowError):
        parsed = None
    try:
        if parsed is not None:
            return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
    except (OverflowError, ValueError):
        pass
    defects.append(f"Date: unparseable value {_unfold(value)[:80]!r}")
    return None


def _ids(value: str | None) -> list[str]:
    if not value:
        return []
    if has_raw_bytes(value):
        value = decode_8bit(value)[0]
    value = _clean(value)
    found = ["".join(m.split()) for m in _MSG_ID.findall(value)]
    if not found:
        token = _unfold(value).strip("<> ").split()
        found = token[:1]
    return [i for i in found if i]


def _message_id(value: str | None, digest: str, defects: list[str]) -> tuple[str, bool]:
    ids = _ids(value)
    if ids:
        if value is not None and "<" not in value:
            defects.append("Message-ID: missing angle brackets")
        return ids[0], False
    defects.append("Message-ID: missing; synthesised from the content hash")
    return f"{digest[:32]}@mailagent.invalid", True


def _references(values: list[str], defects: list[str]) -> tuple[str, ...]:
    refs = [ref for value in values for ref in _ids(value)]
    if len(refs) > MAX_REFERENCES:
        defects.append(f"References: {len(refs)} ids, kept the first and last {MAX_REFERENCES - 1}")
        refs = refs[:1] + refs[-(MAX_REFERENCES - 1) :]
    return tuple(dict.fromkeys(refs))


def _str_param(part: Message, name: str) -> str | None:
    try:
        value = part.get_param(name)
    except Exception:  # a broken Content-Type must not lose the message
        return None
    return value if isinstance(value, str) else None


def _charset_hint(msg: Message) -> str | None:
    """The first declared body charset: the best guess for raw 8-bit header bytes."""
    for count, part in enumerate(msg.walk()):
        if count > 20:
            break
        label = _str_param(part, "charset")
        if label and normalize_charset(label) not in (None, "ascii"):
            return label
    return None


def _repair_obsolete_fields(data: bytes, defects: list[str]) -> bytes:
    end = re.search(rb"\r?\n\r?\n", data)
    head, rest = (data[: end.start()], data[end.start() :]) if end else (data, b"")
    fixed, count = _OBS_FIELD.subn(rb"\1:", head)
    if count:
        defects.append(f"{count} header field names followed by blanks before the colon repaired")
    return fixed + rest if count else data


def _parse_tree(raw: bytes, defects: list[str]) -> Message:
    if not raw.strip():
        raise ParseError("empty message")
    data = raw.lstrip(b"\r\n\t ")
    if len(data) != len(raw):
        defects.append("leading blank lines before the header block removed")
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
        defects.append("byte order mark before the header block removed")
    data = _repair_obsolete_fields(data, defects)
    if not _FIELD.match(data[:2000]):
        raise ParseError("not a mail message: no header block at the start")
    try:
        msg = BytesParser(policy=policy.compat32).parsebytes(data)
    except RecursionError as exc:
        raise ParseError("MIME structure nested too deeply for the parser") from exc
    except Exception as exc:  # the stdlib parser should not fail; quarantine if it does
        raise ParseError(f"email parser failed: {type(exc).__name__}: {exc}") from exc
    if not msg.keys():
        raise ParseError("not a mail message: no header fields")
    return msg


def _bounded(defects: list[str]) -> tuple[str, ...]:
    unique = list(dict.fromkeys(defects))
    if len(unique) > MAX_DEFECTS:
        rest = len(unique) - MAX_DEFECTS + 1
        unique = [*unique[: MAX_DEFECTS - 1], f"... and {rest} more defects"]
    return tuple(unique)


def parse_message(
    raw: bytes,
    settings: ParseSettings = ParseSettings(),  # noqa: B008
    spool: Spool | None = None,
) -> InboundMail:
    """Parse ``raw`` into an :class:`InboundMail`; see the module docstring for the policy.

    Raises :class:`ParseError` (with a reason) only when the bytes cannot be represented.
    With a ``spool``, large base64 attachments are decoded into its directory instead of
    memory (:mod:`mailagent.parse.spool`); the caller closes the spool when it is done.
    """
    if len(raw) > settings.max_message_bytes:
        raise ParseError(
            f"message is {len(raw)} bytes, over max_message_bytes ({settings.max_message_bytes})"
        )
    digest = hashlib.sha256(raw).hexdigest()
    size = len(raw)
    defects: list[str] = []
    if spool is not None:
        raw = carve(raw, spool)  # the same message without the bodies now in spool files
    msg = _parse_tree(raw, defects)
    hint = _charset_hint(msg)
    raw_items = list(msg.raw_items())
    if len(raw_items) > MAX_HEADERS:
        defects.append(f"{len(raw_items)} header fields: only the first {MAX_HEADERS} kept")
    headers = tuple(
        (str(n), _text(str(n), str(v), hint, defects)) for n, v in raw_items[:MAX_HEADERS]
    )
    # Raw values (surrogate-escaped 8-bit bytes intact), all of them, by lower-cased name.
    by_name: dict[str, list[str]] = {}
    for n, v in raw_items:
        by_name.setdefault(str(n).lower(), []).append(str(v))

    def all_raw(name: str) -> list[str]:
        return by_name.get(name, [])

    def first_raw(name: str) -> str | None:
        values = by_name.get(name)
        return values[0] if values else None

    message_id, synthetic = _message_id(first_raw("message-id"), digest, defects)
    froms = _addresses("From", all_raw("from")[:1], hint, defects)
    senders = _addresses("Sender", all_raw("sender")[:1], hint, defects)
    subject = next((v for n, v in headers if n.lower() == "subject"), None)
    if subject is None and (subject_raw := first_raw("subject")) is not None:
        subject = _text("Subject", subject_raw, hint, defects)
    body = extract_body(msg, settings, hint, spool)
    text = _clean(body.text.replace("\r\n", "\n").replace("\r", "\n"))
    html = _clean(body.html) if body.html is not None else None
    split = split_reply(text)
    kind, reason = autoreply.detect(
        headers,
        msg.get_content_type(),
        report_type=_str_param(msg, "report-type"),
    )
    mail = InboundMail(
        raw_sha256=digest,
        raw_size=size,
        message_id=message_id,
        message_id_synthetic=synthetic,
        subject=subject or "",
        from_=froms[0] if froms else None,
        sender=senders[0] if senders else None,
        reply_to=_addresses("Reply-To", all_raw("reply-to"), hint, defects),
        to=_addresses("To", all_raw("to"), hint, defects),
        cc=_addresses("Cc", all_raw("cc"), hint, defects),
        date=_date(first_raw("date"), defects),
        in_reply_to=next(iter(_ids(first_raw("in-reply-to"))), None),
        references=_references(all_raw("references"), defects),
        headers=headers,
        text=text,
        html=html,
        new_text=split.new_text,
        quoted_text=split.quoted_text,
        signature=split.signature,
        attachments=body.attachments,
        auto_reply=kind,
        auto_reply_reason=reason,
        charsets=body.charsets,
        defects=_bounded([*defects, *body.defects]),
    )
    log.debug(
        "%s parsed: %d attachments, %d defects, auto_reply=%s",
        message_id,
        len(mail.attachments),
        len(mail.defects),
        kind,
    )
    return mail
