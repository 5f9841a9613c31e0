"""Property test: the parser on generated MIME never raises (except ParseError for an
oversized message) and keeps the raw bytes' identity.

Generated messages nest multiparts (missing closing boundaries included), use real, bogus
and missing charsets, fold headers, break base64 and quoted-printable, and carry headers of
tens of kilobytes, NULs and 8-bit junk. The budget is fixed and derandomized (the same
examples every run) so the suite stays fast; raise ``FUZZ_EXAMPLES`` locally to search more.
"""

from __future__ import annotations

import hashlib
import os
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailagent.config import ParseSettings
from mailagent.errors import ParseError
from mailagent.parse.message import parse_message

BUDGET = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "120")),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

CHARSETS = ["utf-8", "iso-8859-1", "gb2312", "gbk", "shift_jis", "koi8-r", "utf-16", "x-bogus",
            "unknown-8bit", "", "utf-7", "iso-2022-jp", "windows-1252", '"utf-8"']  # fmt: skip
ENCODINGS = ["7bit", "8bit", "binary", "base64", "quoted-printable", "x-uuencode", "BASE64", ""]
LEAF_TYPES = ["text/plain", "text/html", "application/pdf", "image/png", "message/rfc822",
              "application/octet-stream", "text/calendar", "message/delivery-status"]  # fmt: skip
SUBTYPES = ["mixed", "alternative", "related", "report", "signed", "digest"]

header_name = st.sampled_from(
    [
        "Subject",
        "From",
        "To",
        "Cc",
        "Reply-To",
        "Message-ID",
        "In-Reply-To",
        "References",
        "Date",
        "Sender",
        "Auto-Submitted",
        "X-Junk",
        "Content-Disposition",
    ]
)
junk = st.binary(max_size=200)
text = st.text(max_size=120)


@st.composite
def header_value(draw: st.DrawFn) -> bytes:
    kind = draw(st.integers(0, 5))
    if kind == 0:  # RFC 2047 encoded words, valid or not
        payload = draw(st.text(max_size=40)).encode("utf-8", "surrogatepass")
        charset = draw(st.sampled_from(CHARSETS)) or "utf-8"
        import base64

        body = base64.b64encode(payload)[: draw(st.integers(0, 80))]
        return (
            b"=?"
            + charset.encode()
            + b"?"
            + draw(st.sampled_from([b"B", b"Q", b"X"]))
            + b"?"
            + body
            + b"?="
        )
    if kind == 1:  # folded
        parts = draw(st.lists(st.text(max_size=30), min_size=1, max_size=6))
        return "\r\n\t".join(parts).encode("utf-8", "surrogatepass")
    if kind == 2:  # huge
        return b"x" * draw(st.integers(1000, 40_000))
    if kind == 3:
        return draw(junk).replace(b"\n", b" ")
    if kind == 4:  # address lists, valid and not
        names = draw(st.lists(st.text(max_size=15), max_size=4))
        return ", ".join(f'"{n}" <{i}@x.example>' for i, n in enumerate(names)).encode(
            "utf-8", "surrogatepass"
        )
    return draw(text).encode("utf-8", "surrogatepass")


@st.composite
def leaf(draw: st.DrawFn) -> bytes:
    ctype = draw(st.sampled_from(LEAF_TYPES))
    charset = draw(st.sampled_from(CHARSETS))
    cte = draw(st.sampled_from(ENCODINGS))
    body = draw(st.one_of(junk, text.map(lambda t: t.encode("utf-8", "surrogatepass"))))
    if cte.lower() == "base64" and draw(st.booleans()):
        import base64

        body = base64.b64encode(body)
        if draw(st.booleans()):  # broken: cut, bad padding, junk characters
            body = body[: max(0, len(body) - draw(st.integers(0, 5)))] + b"!*="
    if cte == "quoted-printable" and draw(st.booleans()):
        body += b"=Z=\r\n=E4=" + b"=" * draw(st.integers(0, 3))
    head = b"Content-Type: " + ctype.encode()
    if charset:
        head += b"; charset=" + charset.encode()
    if draw(st.booleans()):
        head += (
            b'\r\nContent-Disposition: attachment; filename="'
            + draw(junk)[:40].replace(b'"', b"")
            + b'"'
        )
    if cte:
        head += b"\r\nContent-Transfer-Encoding: " + cte.encode()
    return head + b"\r\n\r\n" + body


def _multipart(draw: st.DrawFn, children: list[bytes]) -> bytes:
    boundary = draw(st.sampled_from([b"b1", b"=_x", b"", b"a" * 80, b"b1"]))
    sub = draw(st.sampled_from(SUBTYPES)).encode()
    out = b"Content-Type: multipart/" + sub + b'; boundary="' + boundary + b'"\r\n\r\npreamble\r\n'
    for child in children:
        out += b"--" + boundary + b"\r\n" + child + b"\r\n"
    if draw(st.booleans()):  # sometimes the closing boundary is missing
        out += b"--" + boundary + b"--\r\n"
    return out


parts = st.recursive(
    leaf(),
    lambda inner: st.builds(
        lambda d, c: (d, c), st.just(None), st.lists(inner, max_size=4)
    ).flatmap(lambda pair: st.composite(lambda draw: _multipart(draw, pair[1]))()),
    max_leaves=12,
)


@st.composite
def message(draw: st.DrawFn) -> bytes:
    headers = draw(st.lists(st.tuples(header_name, header_value()), max_size=10))
    head = b"".join(n.encode() + b": " + v + b"\r\n" for n, v in headers)
    if draw(st.booleans()):
        head = head.replace(b"\r\n", b"\n")
    return head + b"MIME-Version: 1.0\r\n" + draw(parts)


@BUDGET
@given(message())
def test_parser_never_raises_and_keeps_raw_identity(raw: bytes) -> None:
    mail = parse_message(raw)
    assert mail.raw_sha256 == hashlib.sha256(raw).hexdigest()
    assert mail.raw_size == len(raw)
    for value in (mail.subject, mail.text, mail.html or "", mail.message_id):
        assert "\x00" not in value
        assert not any("\ud800" <= ch <= "\udfff" for ch in value)


@BUDGET
@given(st.binary(max_size=4000))
def test_parser_on_arbitrary_bytes(raw: bytes) -> None:
    """Bytes that are no message at all may be refused, but only with a ParseError that says
    why (ingest quarantines them with that reason and the raw bytes)."""
    try:
        mail = parse_message(raw, ParseSettings(max_message_bytes=3000))
    except ParseError as exc:
        assert str(exc).strip()
        return
    assert mail.raw_sha256 == hashlib.sha256(raw).hexdigest()


@pytest.mark.parametrize("name", ["From", "To", "Cc", "Reply-To", "Sender"])
def test_huge_address_field_is_linear(name: str) -> None:
    """Found by the property test: a 40 KB From header took 11 s (quadratic regex scan)."""
    raw = f"{name}: {'x' * 40_000} boss@acme.example\r\nSubject: hi\r\n\r\nbody".encode()
    start = time.perf_counter()
    mail = parse_message(raw)
    assert time.perf_counter() - start < 0.5
    assert any("address field" in d for d in mail.defects)
