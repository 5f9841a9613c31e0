"""Content-addressed blob store: idempotent, atomic, refuses non-hash keys."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from mailagent.daemon.jobs import clean_blob_tmp
from mailagent.db.blobstore import BlobStore, sha256_hex


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


@pytest.mark.parametrize("with_syncfs", [True, False])
def test_deferred_writes_get_their_names_only_when_flushed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, with_syncfs: bool
) -> None:
    import mailagent.db.blobstore as blobstore

    if not with_syncfs:  # platforms without syncfs(2): one fsync per file and directory
        monkeypatch.setattr(blobstore, "_SYNCFS", None)
    store = BlobStore(tmp_path)
    data = [f"Subject: {i}\r\n\r\nbody".encode() for i in range(5)]
    with store.deferred():
        digests = [store.put_raw(d) for d in data]
        assert store.put_raw(data[0]) == digests[0]  # a repeat inside the block: no 2nd file
        final = [store.path("raw", h, ".eml") for h in digests]
        assert not any(p.exists() for p in final), "no final name before the bytes are synced"
        assert store.get_raw(digests[1]) == data[1] and store.exists("raw", digests[1], ".eml")
        with store.deferred():  # nested blocks join the outer one
            extra = store.put_attachment(b"PDF")
        assert not store.path("attachments", extra, ".bin").exists()
        store.flush()
        assert all(p.exists() for p in final)
        late = store.put_raw(b"late")
    assert store.get_raw(late) == b"late"  # leaving the block flushes the rest
    assert store.get_attachment(extra) == b"PDF"
    assert not list(tmp_path.rglob(".tmp-*"))
    assert [store.get_raw(h) for h in digests] == data


def test_deferred_block_flushes_even_when_the_batch_fails(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    with pytest.raises(RuntimeError), store.deferred():
        digest = store.put_raw(b"kept")
        raise RuntimeError("database away")
    assert store.get_raw(digest) == b"kept"  # raw bytes are never lost
    assert store.put_raw(b"after") and not list(tmp_path.rglob(".tmp-*"))  # back to direct
