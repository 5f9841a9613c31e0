"""Large base64 attachments are decoded straight from the raw bytes into spool files.

Parsing a 42 MB message with ``email.parser`` held the whole base64 text as a ``str``, then
its decoded bytes, then a copy per record: about 8x the message in memory. Before the tree
is parsed, :func:`carve` walks the MIME structure over the raw bytes (boundaries found with
``bytes.find``, no copies), and every non-text leaf part whose base64 body is at least
``threshold`` bytes is decoded chunk by chunk into a file in the :class:`Spool` directory,
hashed on the way. The message handed to the parser is a *skeleton*: the same bytes without
those bodies, each such part marked with an ``X-Mailagent-Spool: <token>`` header (tokens are
random per message, so a sender cannot name another message's file). The MIME walk
(``mimeparts``) turns a marked part into an attachment that points at its spool file; ingest
moves the file into the blob store (a rename) and :meth:`Spool.close` deletes what is left.

Memory stays bounded by the chunk size plus the small parts. Damaged base64 in a large part
is not repaired here: the part stays in the skeleton and takes the usual (repairing) path.
This is the one place the parser writes files; it does so only into the directory given.
"""

from __future__ import annotations

import binascii
import contextlib
import hashlib
import os
import re
import secrets
import tempfile
from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path

__all__ = ["HEADER", "SPOOL_THRESHOLD", "Spool", "SpooledPart", "carve"]

HEADER = "X-Mailagent-Spool"
SPOOL_THRESHOLD = 1024 * 1024  # base64 bytes of one part
_CHUNK = 1024 * 1024  # base64 bytes decoded at a time
_MAX_DEPTH = 32
_MAX_PARTS = 5000
_HEAD_END = re.compile(rb"\r?\n\r?\n")
_WS = re.compile(rb"[ \t\r\n]+")


@dataclass(frozen=True, slots=True)
class SpooledPart:
    path: Path
    size: int
    sha256: str


@dataclass
class Spool:
    """A directory for decoded parts of the message being parsed; close() cleans up."""

    directory: Path
    threshold: int = SPOOL_THRESHOLD
    parts: dict[str, SpooledPart] = field(default_factory=dict)

    def take(self, token: str) -> SpooledPart | None:
        return self.parts.get(token)

    def close(self) -> None:
        """Delete every spool file not moved elsewhere (by ingest) meanwhile."""
        for part in self.parts.values():
            with contextlib.suppress(FileNotFoundError):
                part.path.unlink()
        self.parts.clear()

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _headers(raw: bytes, start: int, end: int) -> Message:
    return BytesHeaderParser(policy=compat32).parsebytes(raw[start:end])


def _decode_to_file(raw: bytes, start: int, end: int, spool: Spool) -> SpooledPart | None:
    """Decode ``raw[start:end]`` (base64) into a new spool file, or None if it is damaged."""
    spool.directory.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=spool.directory, prefix="part-", suffix=".bin")
    digest, size, carry = hashlib.sha256(), 0, b""
    view = memoryview(raw)
    try:
        with os.fdopen(fd, "wb") as out:
            pos = start
            while pos < end:
                chunk = carry + _WS.sub(b"", view[pos : min(pos + _CHUNK, end)].tobytes())
                pos += _CHUNK
                cut = len(chunk) - len(chunk) % 4 if pos < end else len(chunk)
                chunk, carry = chunk[:cut], chunk[cut:]
                last = pos >= end
                if (b"=" in chunk and not last) or (last and len(chunk) % 4):
                    raise binascii.Error("padding inside the data or a cut-off end")
                data = binascii.a2b_base64(chunk, strict_mode=True)
                digest.update(data)
                out.write(data)
                size += len(data)
    except (binascii.Error, ValueError):
        Path(name).unlink(missing_ok=True)
        return None
    return SpooledPart(Path(name), size, digest.hexdigest())


@dataclass
class _Carver:
    raw: bytes
    spool: Spool
    cuts: list[tuple[int, int, bytes]] = field(default_factory=list)  # (from, to, insert)
    count: int = 0

    def part(self, start: int, end: int, depth: int) -> None:
        """One MIME entity at ``raw[start:end]``: recurse into multiparts, spool big leaves."""
        self.count += 1
        if depth > _MAX_DEPTH or self.count > _MAX_PARTS:
            return
        found = _HEAD_END.search(self.raw, start, end)
        if found is None:
            return
        head_end, body_start = found.start(), found.end()
        try:
            headers = _headers(self.raw, start, body_start)
            ctype = headers.get_content_type()
            boundary = headers.get_param("boundary") if ctype.startswith("multipart/") else None
            cte = str(headers.get("content-transfer-encoding", "")).strip().lower()
        except Exception:
            return
        if headers.get(HEADER) is not None:
            return  # a sender's own marker header: never trusted, never spooled
        if isinstance(boundary, str) and boundary:
            self.multipart(body_start, end, boundary.encode("latin-1", "replace"), depth)
        elif (
            depth > 0
            and cte == "base64"
            and not ctype.startswith(("text/", "message/"))
            and end - body_start >= self.spool.threshold
        ):
            self.leaf(head_end, body_start, end)

    def multipart(self, start: int, end: int, boundary: bytes, depth: int) -> None:
        delimiter = b"--" + boundary
        positions = []
        pos = start
        while True:
            at = self.raw.find(delimiter, pos, end)
            if at < 0:
                break
            if at == start or self.raw[at - 1 : at] == b"\n":
                positions.append(at)
            pos = at + len(delimiter)
        for i, at in enumerate(positions):
            line_end = self.raw.find(b"\n", at, end)
            if self.raw[at + len(delimiter) : at + len(delimiter) + 2] == b"--" or line_end < 0:
                break
            stop = positions[i + 1] if i + 1 < len(positions) else end
            content_end = stop
            if self.raw[content_end - 1 : content_end] == b"\n":  # the CRLF before "--"
                content_end -= 2 if self.raw[content_end - 2 : content_end] == b"\r\n" else 1
            self.part(line_end + 1, max(line_end + 1, content_end), depth + 1)

    def leaf(self, head_end: int, body_start: int, end: int) -> None:
        spooled = _decode_to_file(self.raw, body_start, end, self.spool)
        if spooled is None:
            return
        token = secrets.token_hex(16)
        self.spool.parts[token] = spooled
        newline = b"\r\n" if self.raw[head_end : head_end + 1] == b"\r" else b"\n"
        marker = newline + f"{HEADER}: {token}".encode()
        self.cuts.append((head_end, head_end, marker))
        self.cuts.append((body_start, end, b""))


def carve(raw: bytes, spool: Spool) -> bytes:
    """The skeleton of ``raw`` with its large base64 leaves spooled (``raw`` if none)."""
    if len(raw) < spool.threshold:
        return raw
    carver = _Carver(raw, spool)
    carver.part(0, len(raw), 0)
    if not carver.cuts:
        return raw
    pieces, pos = [], 0
    for cut_from, cut_to, insert in sorted(carver.cuts):
        pieces += [raw[pos:cut_from], insert]
        pos = cut_to
    pieces.append(raw[pos:])
    return b"".join(pieces)
