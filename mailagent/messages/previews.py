"""Inline previews of attachments: always a freshly encoded PNG, never the sender's bytes.

An image (PNG, JPEG, GIF, WebP; never SVG) is decoded by Pillow within a pixel limit and
re-encoded as a PNG, so whatever else the file carried (scripts in polyglots, metadata,
trailing data) is gone. A PDF's first page is rasterised by poppler's ``pdftoppm`` (no
JavaScript, no forms, no network) in a subprocess with a time limit, and the result goes
through the same re-encoding. The web route serves the PNG as ``image/png`` with a
``sandbox`` CSP; a file that does not decode has no preview (``PreviewError``).
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from pathlib import Path

from mailagent.errors import MailagentError

__all__ = ["MAX_PIXELS", "PreviewError", "pdf_previews", "render_preview"]

MAX_PIXELS = 40_000_000  # larger images are refused (decompression bombs)
MAX_SIDE = 1400  # previews are scaled down to this many pixels on the longer side
_FORMATS = {"PNG", "JPEG", "GIF", "WEBP"}
_PDF_SECONDS = 15


class PreviewError(MailagentError):
    """The attachment has no preview (not a decodable image or PDF)."""


def pdf_previews() -> bool:
    """Whether PDFs can be previewed here (poppler's ``pdftoppm`` is installed)."""
    return shutil.which("pdftoppm") is not None


def _png(data: bytes, formats: set[str]) -> bytes:
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.format not in formats:
                raise PreviewError(f"not a previewable image ({img.format})")
            img.seek(0)
            frame = img.convert("RGBA" if "A" in img.getbands() or "transparency" in img.info
                                else "RGB")  # fmt: skip
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError) as exc:
        raise PreviewError(f"the image does not decode: {exc}") from exc
    frame.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    frame.save(out, format="PNG")
    return out.getvalue()


def _pdf_page(data: bytes) -> bytes:
    tool = shutil.which("pdftoppm")
    if tool is None:
        raise PreviewError("pdftoppm is not installed: no PDF previews")
    if not data.lstrip()[:5] == b"%PDF-":
        raise PreviewError("not a PDF")
    with tempfile.TemporaryDirectory(prefix="mailagent-preview-") as tmp:
        src, root = Path(tmp) / "in.pdf", Path(tmp) / "page"
        src.write_bytes(data)
        cmd = [tool, "-png", "-f", "1", "-l", "1", "-singlefile", "-scale-to", str(MAX_SIDE)]
        try:
            subprocess.run(
                [*cmd, str(src), str(root)],
                check=True,
                capture_output=True,
                timeout=_PDF_SECONDS,
                stdin=subprocess.DEVNULL,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            raise PreviewError(f"the PDF does not render: {exc}") from exc
        page = root.with_suffix(".png")
        if not page.exists():
            raise PreviewError("the PDF has no page")
        return page.read_bytes()


def render_preview(data: bytes, kind: str) -> bytes:
    """A PNG of the image, or of the PDF's first page (``kind``: image | pdf)."""
    if kind == "image":
        return _png(data, _FORMATS)
    if kind == "pdf":
        return _png(_pdf_page(data), {"PNG"})
    raise PreviewError(f"no preview for {kind!r}")
