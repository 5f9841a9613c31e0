"""Backup while mail is being ingested, restore into a fresh store, verify: nothing missing."""

from __future__ import annotations

import threading
from email.message import EmailMessage
from pathlib import Path

import pytest
from support.apptools import make_app

from mailagent.capture.ingest import ingest_raw
from mailagent.ops.backup import BackupError, backup, load_manifest, restore
from mailagent.ops.verify import verify


def raw_mail(n: int) -> bytes:
    msg = EmailMessage()
    msg["From"] = "buyer@acmerobotics.com"
    msg["To"] = "sales@huaxin-pcb.com"
    msg["Subject"] = f"PO {n}: 4-layer boards"
    msg["Message-ID"] = f"<bk-{n}@acmerobotics.com>"
    msg["Date"] = "Mon, 02 Nov 2026 09:00:00 +0000"
    msg.set_content(f"Please confirm PO {n} for 500 pcs.")
    msg.add_attachment(f"PO {n}".encode() * 50, maintype="application", subtype="pdf",
                       filename=f"po-{n}.pdf")  # fmt: skip
    return msg.as_bytes()


def second_url(db_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A fresh, empty database of the same kind for the restore."""
    if db_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'restored' / 'mailagent.db'}"
    from support.servers import unique_name

    postgres = request.getfixturevalue("postgres")
    name = unique_name("r")
    url: str = postgres.create_database(name)
    request.addfinalizer(lambda: postgres.drop_database(name))
    return url


def test_backup_during_ingest_restores_with_nothing_missing(
    tmp_path: Path, db_url: str, request: pytest.FixtureRequest
) -> None:
    app = make_app(tmp_path / "live", db_url)
    ingest_raw(app, [(raw_mail(n), f"test:{n}") for n in range(20)], triage=False)
    stop = threading.Event()
    ingested = [20]

    def keep_ingesting() -> None:
        n = 20
        while not stop.is_set() and n < 400:
            ingest_raw(app, [(raw_mail(i), f"test:{i}") for i in range(n, n + 10)], triage=False)
            n += 10
            ingested[0] = n

    writer = threading.Thread(target=keep_ingesting)
    writer.start()
    try:
        manifest = backup(app, tmp_path / "backup")
    finally:
        stop.set()
        writer.join(60)
    during = manifest.counts["messages"]
    assert 20 <= during <= ingested[0]
    assert manifest.missing == []
    assert manifest.data["schema_revision"] is not None
    assert manifest.blob_count("raw") >= during  # blobs newer than the snapshot may come along

    fresh = make_app(tmp_path / "fresh", second_url(db_url, tmp_path, request))
    restored = restore(fresh, tmp_path / "backup")
    report = verify(fresh, load_manifest(tmp_path / "backup"))
    assert report.ok, report.lines()
    assert report.missing == () and report.corrupt == ()
    assert report.counts["messages"] == during == restored.counts["messages"]
    assert report.checked["attachments"] == during
    with pytest.raises(BackupError, match="not empty"):
        restore(fresh, tmp_path / "backup")  # never over a store that holds mail
    fresh.close()
    app.close()


def test_verify_finds_a_missing_and_a_corrupt_blob(tmp_path: Path) -> None:
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'mailagent.db'}")
    ingest_raw(app, [(raw_mail(n), f"test:{n}") for n in range(3)], triage=False)
    assert verify(app).ok
    raws = sorted((app.blobs.root / "raw").rglob("*.eml"))
    raws[0].unlink()
    raws[1].write_bytes(b"tampered")
    report = verify(app)
    assert not report.ok
    assert len(report.missing) == 1 and len(report.corrupt) == 1
    with pytest.raises(BackupError, match="not empty"):
        backup(app, tmp_path)  # the store's own directory is not a new one
    app.close()
