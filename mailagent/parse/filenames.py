"""Make attachment file names safe to store, show and download.

Names come from the sender and are hostile until proven otherwise: ``../../etc/passwd``,
``C:\\evil.exe``, right-to-left overrides that disguise ``exe`` as ``txt``, ``CON``, names
of 5,000 characters. ``sanitize_filename`` keeps only the last path component, removes control
and formatting characters, leading dots and Windows-reserved names, and bounds the length while
keeping the extension. Missing names are synthesised from the content type (no ``mimetypes``
lookup: that reads system files).

Pure: no I/O.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["extension_for", "sanitize_filename"]

MAX_FILENAME = 150
_MAX_EXT = 16

_EXTENSIONS = {
    "application/pdf": "pdf",
    "application/zip": "zip",
    "application/x-zip-compressed": "zip",
    "application/x-rar-compressed": "rar",
    "application/vnd.rar": "rar",
    "application/x-7z-compressed": "7z",
    "application/gzip": "gz",
    "application/msword": "doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.ms-excel": "xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.ms-powerpoint": "ppt",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/rtf": "rtf",
    "application/json": "json",
    "application/xml": "xml",
    "application/ms-tnef": "dat",
    "application/pgp-signature": "asc",
    "application/pkcs7-signature": "p7s",
    "application/x-pkcs7-signature": "p7s",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/bmp": "bmp",
    "image/tiff": "tif",
    "image/svg+xml": "svg",
    "text/plain": "txt",
    "text/html": "html",
    "text/csv": "csv",
    "text/calendar": "ics",
    "text/xml": "xml",
    "text/rtf": "rtf",
    "text/rfc822-headers": "txt",
    "message/rfc822": "eml",
    "message/delivery-status": "txt",
    "message/disposition-notification": "txt",
    "audio/mpeg": "mp3",
    "video/mp4": "mp4",
}
_RESERVED = frozenset(
    {"con", "prn", "aux", "nul", "clock$"}
    | {f"com{i}" for i in range(10)}
    | {f"lpt{i}" for i in range(10)}
)
_UNSAFE = re.compile(r'[<>:"|?*]')
_SPACES = re.compile(r"\s+")


def extension_for(content_type: str) -> str:
    """A file extension (without dot) for ``content_type``; ``bin`` when unknown."""
    return _EXTENSIONS.get(content_type.lower(), "bin")


def _clean(name: str) -> str:
    name = unicodedata.normalize("NFC", name)
    name = re.split(r"[/\\]", name)[-1]
    # Cc: control characters; Cf: invisible formatting such as U+202E RIGHT-TO-LEFT OVERRIDE.
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Cs"))
    name = _SPACES.sub(" ", _UNSAFE.sub("_", name))
    return name.strip(" .").lstrip(".-")


def _bound(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or len(ext) > _MAX_EXT:
        return name[:MAX_FILENAME].rstrip(" .")
    return f"{stem[: MAX_FILENAME - len(ext) - 1].rstrip(' .')}.{ext}"


def sanitize_filename(name: str | None, content_type: str, index: int) -> str:
    """A safe file name for attachment number ``index`` (1-based) of ``content_type``.

    Returns ``attachment-<index>.<ext>`` when nothing usable is left of ``name``.
    """
    cleaned = _clean(name or "")
    stem = cleaned.rpartition(".")[0] or cleaned
    if stem.strip().lower() in _RESERVED:
        cleaned = f"_{cleaned}"
    if not cleaned:
        return f"attachment-{index}.{extension_for(content_type)}"
    return _bound(cleaned)
