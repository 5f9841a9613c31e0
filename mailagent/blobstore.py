"""Content-addressed file storage for raw messages and attachments under the store dir.

``put`` writes atomically (temp file, fsync, rename) and is idempotent: the same bytes always
land at the same path, so a re-run after a crash just finds the file already there. Nothing
here parses, opens or executes what it stores.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

__all__ = ["BlobStore", "sha256_hex"]


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class BlobStore:
    """Files at ``<root>/<kind>/<h[:2]>/<h[2:4]>/<h><suffix>``."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path(self, kind: str, sha256: str, suffix: str = "") -> Path:
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return self.root / kind / sha256[:2] / sha256[2:4] / f"{sha256}{suffix}"

    def put(self, kind: str, data: bytes, suffix: str = "", sha256: str | None = None) -> str:
        """Store ``data`` and return its sha256 (no-op if already present)."""
        digest = sha256 or sha256_hex(data)
        target = self.path(kind, digest, suffix)
        if target.exists() and target.stat().st_size == len(data):
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest

    def get(self, kind: str, sha256: str, suffix: str = "") -> bytes:
        return self.path(kind, sha256, suffix).read_bytes()

    def exists(self, kind: str, sha256: str, suffix: str = "") -> bool:
        return self.path(kind, sha256, suffix).exists()

    # convenience names for the two kinds the ingest spine uses
    def put_raw(self, raw: bytes, sha256: str | None = None) -> str:
        return self.put("raw", raw, ".eml", sha256)

    def get_raw(self, sha256: str) -> bytes:
        return self.get("raw", sha256, ".eml")

    def put_attachment(self, payload: bytes, sha256: str | None = None) -> str:
        return self.put("attachments", payload, ".bin", sha256)

    def get_attachment(self, sha256: str) -> bytes:
        return self.get("attachments", sha256, ".bin")
