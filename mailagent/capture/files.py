"""Offline sources: Maildir folders, mbox files, MH folders and folders of message files.

Yields raw bytes one message at a time (memory stays flat for large mboxes); never modifies
or deletes what it reads. Used by ``mailagent import PATH`` and by the demo. In a folder, a
file is a message when its extension says so (``.eml``, ``.msg822``, ``.mail``, none) or,
whatever its name (MH's ``1``, ``2``, ...; SpamAssassin's ``00001.7848dde1...``), when its
first bytes look like RFC 822 (an mbox ``From`` line or a header field). MH folders
(``.mh_sequences``, numbered files) are read in message-number order.
"""

from __future__ import annotations

import mailbox
import re
from collections.abc import Iterator
from pathlib import Path

from mailagent.errors import MailagentError

__all__ = ["count_messages", "detect_kind", "iter_messages", "looks_like_mail"]

_EML_SUFFIXES = {".eml", ".msg822", ".mail", ""}
# never messages, even when their first line happens to look like a header
_NOT_MAIL = {".pdf", ".zip", ".gz", ".png", ".jpg", ".jpeg", ".gif", ".doc", ".docx", ".xlsx",
             ".xls", ".py", ".toml", ".json", ".csv", ".html", ".htm", ".md"}  # fmt: skip
# the start of an RFC 822 message: a header field name and colon ("Return-Path:", "From:")
_HEADER = re.compile(rb"(?:From |[!-9;-~]{1,76}:)")
_SNIFF = 1024


def looks_like_mail(path: Path) -> bool:
    """An RFC 822 message by its first bytes: a header field (or an mbox From line) first,
    and at least two header lines before the first empty line."""
    try:
        with path.open("rb") as fh:
            head = fh.read(_SNIFF)
    except OSError:
        return False
    head = head.lstrip(b"\r\n")
    if not _HEADER.match(head):
        return False
    block = head.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    fields = [ln for ln in block.splitlines() if ln and not ln[:1].isspace()]
    return len(fields) >= 2 and all(_HEADER.match(ln) for ln in fields[:2])


def detect_kind(path: Path) -> str:
    """'maildir', 'mbox', 'eml-dir' or 'eml' for ``path``; raises if it is none of them."""
    if path.is_dir():
        if (path / "cur").is_dir() and (path / "new").is_dir():
            return "maildir"
        return "eml-dir"
    if path.is_file():
        with path.open("rb") as fh:
            head = fh.read(5)
        return "mbox" if head == b"From " else "eml"
    raise MailagentError(f"{path}: no such file or directory")


def _maildir_files(path: Path) -> Iterator[Path]:
    for sub in ("new", "cur"):
        yield from sorted(p for p in (path / sub).iterdir() if p.is_file())
    for child in sorted(path.iterdir()):  # Maildir++ subfolders (.Sent, .Archive ...)
        if child.name.startswith(".") and (child / "cur").is_dir():
            yield from _maildir_files(child)


def _order(p: Path) -> tuple[str, int, str]:
    """MH numbers in numeric order (2 before 10), everything else by name."""
    return (str(p.parent), int(p.name), "") if p.name.isdigit() else (str(p.parent), -1, p.name)


def _eml_files(path: Path) -> Iterator[Path]:
    for p in sorted(path.rglob("*"), key=_order):
        if (
            not p.is_file()
            or p.name.startswith(".")
            or any(part.startswith(".") for part in p.relative_to(path).parts[:-1])
        ):
            continue
        suffix = p.suffix.lower()
        if suffix in _NOT_MAIL:
            continue
        if (suffix in _EML_SUFFIXES and suffix != "") or looks_like_mail(p):
            yield p


def iter_messages(path: Path) -> Iterator[tuple[bytes, str]]:
    """Yield ``(raw bytes, origin)`` for every message under ``path``."""
    kind = detect_kind(path)
    if kind == "mbox":
        box = mailbox.mbox(path, create=False)
        try:
            for key in box.iterkeys():
                yield box.get_bytes(key), f"{path}#{key}"
        finally:
            box.close()
        return
    files = (
        _maildir_files(path)
        if kind == "maildir"
        else _eml_files(path)
        if kind == "eml-dir"
        else iter([path])
    )
    for f in files:
        yield f.read_bytes(), str(f)


def count_messages(path: Path) -> int | None:
    """Number of messages (for progress bars); None when counting would be costly."""
    kind = detect_kind(path)
    if kind == "maildir":
        return sum(1 for _ in _maildir_files(path))
    if kind == "eml-dir":
        return sum(1 for _ in _eml_files(path))
    if kind == "eml":
        return 1
    return None
