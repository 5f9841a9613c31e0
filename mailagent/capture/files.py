"""Offline sources: Maildir folders, mbox files and folders of .eml files.

Yields raw bytes one message at a time (memory stays flat for large mboxes); never modifies
or deletes what it reads. Used by ``mailagent import PATH`` and by the demo.
"""

from __future__ import annotations

import mailbox
from collections.abc import Iterator
from pathlib import Path

from mailagent.errors import MailagentError

__all__ = ["count_messages", "detect_kind", "iter_messages"]

_EML_SUFFIXES = {".eml", ".msg822", ".mail", ""}


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


def _eml_files(path: Path) -> Iterator[Path]:
    for p in sorted(path.rglob("*")):
        if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in _EML_SUFFIXES:
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
