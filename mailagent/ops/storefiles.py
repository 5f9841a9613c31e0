"""What a store holds besides the database: the blob trees, and which blobs rows reference.

Shared by backup, restore, verify and retention. Blob files are content-addressed
(``<kind>/<h[:2]>/<h[2:4]>/<h><suffix>``), so a file's name is its expected hash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import CompoundSelect, Engine, func, select, union
from sqlalchemy.engine import Connection

from mailagent.db import models as m

__all__ = [
    "BLOB_KINDS",
    "PROTECTED_FILES",
    "blob_files",
    "file_sha256",
    "referenced_blobs",
    "schema_revision",
    "table_counts",
]

BLOB_KINDS = {"raw": ".eml", "attachments": ".bin"}
PROTECTED_FILES = ("web-secret.key",)  # never copied into a backup


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def blob_files(root: Path, kind: str) -> Iterator[tuple[str, Path]]:
    """``(sha256, path)`` of every finished blob of ``kind`` under ``root`` (no temp files)."""
    base = root / kind
    suffix = BLOB_KINDS[kind]
    if not base.is_dir():
        return
    for path in sorted(base.glob(f"??/??/*{suffix}")):
        name = path.name.removesuffix(suffix)
        if len(name) == 64 and not path.name.startswith("."):
            yield name, path


def referenced_blobs(conn: Connection) -> dict[str, set[str]]:
    """Hashes rows point at, per blob kind, minus raw blobs retention deleted on purpose."""
    kept = ~select(m.RetentionPurge.id).where(m.RetentionPurge.message_pk == m.Message.id).exists()
    raw_refs: CompoundSelect[Any] = union(
        select(m.Message.raw_sha256).where(kept),
        select(m.Quarantine.raw_sha256),
        select(m.Outbox.raw_sha256).where(m.Outbox.raw_sha256.is_not(None)),
    )
    wanted_raw = {str(row[0]) for row in conn.execute(raw_refs)}
    attachments = select(m.Attachment.sha256).where(m.Attachment.stored.is_(True)).distinct()
    return {
        "raw": wanted_raw,
        "attachments": {str(h) for (h,) in conn.execute(attachments)},
    }


def table_counts(conn: Connection) -> dict[str, int]:
    """Row count of every mailagent table."""
    return {
        table.name: int(conn.scalar(select(func.count()).select_from(table)) or 0)
        for table in m.Base.metadata.sorted_tables
    }


def schema_revision(engine: Engine | Connection) -> str | None:
    """The Alembic revision the database is at (None before any migration)."""
    from alembic.runtime.migration import MigrationContext

    if isinstance(engine, Connection):
        return MigrationContext.configure(engine).get_current_revision()
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
