"""Content-addressed blob store: idempotent, atomic, refuses non-hash keys."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from mailagent.blobstore import BlobStore, sha256_hex
from mailagent.housekeeping import clean_blob_tmp


def test_put_is_content_addressed_and_idempotent(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    digest = store.put_raw(b"Subject: hi\r\n\r\nbody")
    assert digest == sha256_hex(b"Subject: hi\r\n\r\nbody")
    path = store.path("raw", digest, ".eml")
    assert path.parent.parent.name == digest[:2] and path.parent.name == digest[2:4]
    mtime = path.stat().st_mtime_ns
    assert store.put_raw(b"Subject: hi\r\n\r\nbody") == digest
    assert path.stat().st_mtime_ns == mtime  # not rewritten
    assert store.get_raw(digest) == b"Subject: hi\r\n\r\nbody"
    assert store.exists("raw", digest, ".eml")


def test_rejects_path_like_keys(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    with pytest.raises(ValueError, match="not a sha256"):
        store.path("raw", "../../etc/passwd")


def test_attachments_are_stored_as_opaque_bin(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    digest = store.put_attachment(b"MZ\x90\x00 not executed")
    path = store.path("attachments", digest, ".bin")
    assert path.suffix == ".bin"
    assert not os.access(path, os.X_OK)


def test_housekeeping_removes_only_stale_temp_files(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    digest = store.put_raw(b"x")
    folder = store.path("raw", digest, ".eml").parent
    stale, fresh = folder / ".tmp-old", folder / ".tmp-new"
    stale.write_bytes(b"partial")
    fresh.write_bytes(b"partial")
    old = time.time() - 7200
    os.utime(stale, (old, old))
    assert clean_blob_tmp(tmp_path) == 1
    assert not stale.exists() and fresh.exists()
    assert store.get_raw(digest) == b"x"
