"""Content-addressed file storage for raw messages and attachments under the store dir.

``put`` writes atomically (temp file, fsync, rename) and is idempotent: the same bytes always
land at the same path, so a re-run after a crash just finds the file already there. Nothing
here parses, opens or executes what it stores.

A batch writer (the ingest spine) wraps its writes in :meth:`BlobStore.deferred`: files are
written to temp names, and :meth:`BlobStore.flush` (called before the batch's database
commit, and on leaving the block) makes them durable together: one ``syncfs`` of the store's
filesystem where Linux offers it (else an fsync per file), then the renames, then a second
sync for the renames. A file is only ever visible under its final name once its bytes are
on disk, so the "already there" check stays trustworthy after a crash.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import cast

__all__ = ["BlobStore", "sha256_hex"]


log = logging.getLogger(__name__)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _load_syncfs() -> Callable[[int], int] | None:
    """Linux's ``syncfs(2)`` (one flush of one filesystem), or None where it is missing."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        func = libc.syncfs
    except (OSError, AttributeError):
        return None
    func.argtypes = [ctypes.c_int]
    func.restype = ctypes.c_int
    return cast("Callable[[int], int]", func)


_SYNCFS = _load_syncfs()


class BlobStore:
    """Files at ``<root>/<kind>/<h[:2]>/<h[2:4]>/<h><suffix>``."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self._local = threading.local()  # per thread: the pending writes of a deferred block
        self._dirs: set[Path] = set()  # directories known to exist

    def path(self, kind: str, sha256: str, suffix: str = "") -> Path:
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return self.root / kind / sha256[:2] / sha256[2:4] / f"{sha256}{suffix}"

    def _pending(self) -> dict[Path, Path] | None:
        pending: dict[Path, Path] | None = getattr(self._local, "pending", None)
        return pending

    def put(self, kind: str, data: bytes, suffix: str = "", sha256: str | None = None) -> str:
        """Store ``data`` and return its sha256 (no-op if already present)."""
        digest = sha256 or sha256_hex(data)
        target = self.path(kind, digest, suffix)
        pending = self._pending()
        if pending is not None and target in pending:
            return digest
        if target.exists() and target.stat().st_size == len(data):
            return digest
        if target.parent not in self._dirs:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._dirs.add(target.parent)
        try:
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        except FileNotFoundError:  # the directory was removed behind our back
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                if pending is None:
                    fh.flush()
                    os.fsync(fh.fileno())
            if pending is None:
                os.replace(tmp, target)
            else:
                pending[target] = Path(tmp)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest

    @contextmanager
    def deferred(self) -> Iterator[None]:
        """Batch this thread's writes: durable at :meth:`flush` and when the block ends."""
        if self._pending() is not None:  # nested: the outer block flushes
            yield
            return
        self._local.pending = {}
        try:
            yield
        finally:
            try:
                self.flush()
            finally:
                self._local.pending = None

    def flush(self) -> None:
        """Make this thread's deferred writes durable under their final names."""
        pending = self._pending()
        if not pending:
            return
        items = list(pending.items())
        self._sync(tmp for _, tmp in items)  # the bytes, before any file gets its name
        for target, tmp in items:
            os.replace(tmp, target)
        self._sync({target.parent for target, _ in items})  # the renames
        pending.clear()

    def _sync(self, paths: Iterable[Path]) -> None:
        if _SYNCFS is not None:
            fd = os.open(self.root, os.O_RDONLY)
            try:
                if _SYNCFS(fd) == 0:
                    return
                log.debug("syncfs failed (errno %d); syncing file by file", ctypes.get_errno())
            finally:
                os.close(fd)
        for path in paths:
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    def _readable(self, kind: str, sha256: str, suffix: str) -> Path:
        target = self.path(kind, sha256, suffix)
        pending = self._pending()
        return pending.get(target, target) if pending else target

    def get(self, kind: str, sha256: str, suffix: str = "") -> bytes:
        return self._readable(kind, sha256, suffix).read_bytes()

    def exists(self, kind: str, sha256: str, suffix: str = "") -> bool:
        return self._readable(kind, sha256, suffix).exists()

    # convenience names for the two kinds the ingest spine uses
    def put_raw(self, raw: bytes, sha256: str | None = None) -> str:
        return self.put("raw", raw, ".eml", sha256)

    def get_raw(self, sha256: str) -> bytes:
        return self.get("raw", sha256, ".eml")

    def put_attachment(self, payload: bytes, sha256: str | None = None) -> str:
        return self.put("attachments", payload, ".bin", sha256)

    def put_attachment_file(self, source: Path, sha256: str) -> str:
        """Move the file ``source`` (content hash ``sha256``) in as an attachment, without
        reading it into memory; same durability rules as :meth:`put`. Same filesystem only."""
        target = self.path("attachments", sha256, ".bin")
        pending = self._pending()
        if (pending is not None and target in pending) or (
            target.exists() and target.stat().st_size == source.stat().st_size
        ):
            return sha256
        if target.parent not in self._dirs:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._dirs.add(target.parent)
        tmp = target.parent / f".tmp-{source.name}"
        os.replace(source, tmp)
        try:
            if pending is None:
                with tmp.open("rb") as fh:
                    os.fsync(fh.fileno())
                os.replace(tmp, target)
            else:
                pending[target] = tmp
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return sha256

    def get_attachment(self, sha256: str) -> bytes:
        return self.get("attachments", sha256, ".bin")
