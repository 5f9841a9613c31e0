"""The body parts of an outgoing message: plain text, the generated HTML alternative, files.

Pure (no I/O). The approver edits the plain text; the HTML alternative is generated from it
(escaped, paragraphs kept, quoted lines as a blockquote, ``[[...]]`` never reaches here
because such drafts cannot be approved), so the two never disagree. Attachments are added
with sanitised names and their declared types; :func:`encoded_size` estimates the size on
the wire (base64 grows by 4/3) for the SMTP size check before sending.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from email.message import EmailMessage

from mailagent.records import OutgoingFile

__all__ = ["add_parts", "encoded_size", "text_to_html"]

_UNSAFE_NAME = re.compile(r'[\x00-\x1f\\/:*?"<>|]+')


def safe_filename(name: str) -> str:
    cleaned = _UNSAFE_NAME.sub("_", name).strip(" .") or "attachment"
    return cleaned[:200]


def text_to_html(text: str) -> str:
    """The plain-text body as simple, safe HTML (what mail clients show for text/html)."""
    blocks: list[str] = []
    quoted: list[str] = []
    para: list[str] = []

    def flush_para() -> None:
        if para:
            blocks.append("<p>" + "<br>\n".join(html.escape(x) for x in para) + "</p>")
            para.clear()

    def flush_quote() -> None:
        if quoted:
            inner = "<br>\n".join(html.escape(x) for x in quoted)
            blocks.append(
                '<blockquote style="margin:0 0 0 .8ex;border-left:1px solid #ccc;'
                f'padding-left:1ex;color:#555">{inner}</blockquote>'
            )
            quoted.clear()

    for line in text.splitlines():
        if line.startswith(">"):
            flush_para()
            quoted.append(line[1:].removeprefix(" "))
            continue
        flush_quote()
        if line.strip():
            para.append(line)
        else:
            flush_para()
    flush_para()
    flush_quote()
    body = "\n".join(blocks)
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head>\n'
        '<body style="font-family:Arial,Helvetica,sans-serif;font-size:14px;'
        'white-space:normal">\n'
        f"{body}\n</body></html>\n"
    )


def add_parts(
    msg: EmailMessage, text: str, files: Sequence[OutgoingFile], *, with_html: bool = True
) -> EmailMessage:
    """Make ``msg`` (whose text body is set) multipart: HTML alternative, then the files."""
    if with_html:
        msg.add_alternative(text_to_html(text), subtype="html", charset="utf-8", cte="base64")
    for f in files:
        main, _, sub = f.content_type.partition("/")
        if not main or not sub:
            main, sub = "application", "octet-stream"
        params = {}
        if main == "text":  # bytes are sent as they are; say how to read them
            try:
                f.data.decode("utf-8")
                params["charset"] = "utf-8"
            except UnicodeDecodeError:
                main, sub = "application", "octet-stream"
        msg.add_attachment(
            f.data, maintype=main, subtype=sub, filename=safe_filename(f.filename), params=params
        )
    return msg


def encoded_size(text: str, files: Sequence[OutgoingFile], *, with_html: bool = True) -> int:
    """Approximate size on the wire: base64 bodies and files, plus headers."""

    def b64(n: int) -> int:
        return (n + 2) // 3 * 4 * 77 // 76

    size = 2048 + b64(len(text.encode("utf-8")))
    if with_html:
        size += b64(len(text_to_html(text).encode("utf-8")))
    return size + sum(b64(len(f.data)) + 300 for f in files)
