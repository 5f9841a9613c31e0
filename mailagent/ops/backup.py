"""Backup and restore of a whole store: the database and the blob trees, with a manifest.

:func:`backup` works while daemons run. The database is copied first, as one consistent
snapshot (SQLite's online backup API; on PostgreSQL ``pg_dump --snapshot`` of a
repeatable-read transaction that also counts the rows and lists the referenced blobs, so
the manifest describes exactly the dump). Blobs are copied after it: the ingest spine makes
a blob durable before the commit that references it and never rewrites one, so every blob
the snapshot references is already there (newer, unreferenced ones may come along). The
manifest records table counts, the dump's hash, every blob's hash and any referenced blob
that was missing. :func:`restore` refuses a store that already holds mail.
"""

from __future__ import annotations

import contextlib
import glob
import json
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.engine import Connection, make_url

from mailagent import __version__
from mailagent.app import App
from mailagent.errors import MailagentError
from mailagent.ops.storefiles import (
    BLOB_KINDS,
    blob_files,
    file_sha256,
    referenced_blobs,
    schema_revision,
    table_counts,
)

__all__ = ["MANIFEST", "BackupError", "Manifest", "backup", "load_manifest", "restore"]

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
SQLITE_FILE = "mailagent.db"
PG_FILE = "mailagent.pgdump"
FORMAT = 1


class BackupError(MailagentError):
    """A backup or restore could not be made; nothing was overwritten."""


@dataclass(frozen=True, slots=True)
class Manifest:
    path: Path
    data: dict[str, Any]

    @property
    def counts(self) -> dict[str, int]:
        return {k: int(v) for k, v in self.data["counts"].items()}

    @property
    def missing(self) -> list[str]:
        return list(self.data["missing"])

    def blob_count(self, kind: str) -> int:
        return len(self.data["blobs"][kind])


def _pg_tool(name: str) -> str:
    """The newest installed ``pg_dump``/``pg_restore`` (Debian keeps them per version)."""

    def version(path: str) -> tuple[int, ...]:
        return tuple(int(x) for x in re.findall(r"\d+", path))

    for cand in sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=version, reverse=True):
        return cand
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} not found: install the postgresql-client package")
    return found


def _pg_args(engine: Engine) -> tuple[str, dict[str, str]]:
    """A libpq connection URL without the password, and the environment carrying it."""
    url = engine.url.set(drivername="postgresql")
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return url.set(password=None).render_as_string(hide_password=False), env


def _run(argv: list[str], env: dict[str, str], what: str) -> None:
    res = subprocess.run(argv, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if res.returncode != 0:
        raise BackupError(f"{what} failed: {res.stderr.strip()[-2000:]}")


def _describe(conn: Connection) -> dict[str, Any]:
    refs = referenced_blobs(conn)
    return {"counts": table_counts(conn), "refs": refs, "revision": schema_revision(conn)}


def _snapshot_sqlite(engine: Engine, dest: Path) -> tuple[str, dict[str, Any]]:
    source = engine.url.database
    if not source or source == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    target = dest / SQLITE_FILE
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)  # online backup API: a consistent copy while writers go on
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        dst.close()
        src.close()
    snapshot = make_url(f"sqlite:///{target}")
    from sqlalchemy import create_engine

    copy = create_engine(snapshot)
    try:
        with copy.connect() as conn:
            return SQLITE_FILE, _describe(conn)
    finally:
        copy.dispose()


def _snapshot_postgres(engine: Engine, dest: Path) -> tuple[str, dict[str, Any]]:
    url, env = _pg_args(engine)
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            described = _describe(conn)
            argv = [_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges"]
            argv += [f"--snapshot={snapshot}", f"--file={dest / PG_FILE}", url]
            _run(argv, env, "pg_dump")
    return PG_FILE, described


def _copy_blobs(
    root: Path, dest: Path, refs: dict[str, set[str]]
) -> tuple[dict[str, Any], list[str]]:
    blobs: dict[str, dict[str, str]] = {}
    missing: list[str] = []
    for kind in BLOB_KINDS:
        copied: dict[str, str] = {}
        for name, path in blob_files(root, kind):
            target = dest / path.relative_to(root)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
            digest = file_sha256(target)
            copied[name] = digest
            if digest != name:
                log.warning("backup: %s/%s is corrupt in the store (hash %s)", kind, name, digest)
        blobs[kind] = copied
        missing += [f"{kind}/{h}" for h in sorted(refs[kind] - copied.keys())]
    return blobs, missing


def backup(app: App, dest: Path) -> Manifest:
    """Write a consistent backup of ``app``'s store into the new directory ``dest``."""
    if dest.exists() and any(dest.iterdir()):
        raise BackupError(f"{dest}: not empty; back up into a new directory")
    dest.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    kind = app.engine.dialect.name
    if kind == "sqlite":
        db_file, described = _snapshot_sqlite(app.engine, dest)
    elif kind == "postgresql":
        db_file, described = _snapshot_postgres(app.engine, dest)
    else:  # pragma: no cover - only the two supported back ends exist
        raise BackupError(f"cannot back up a {kind} database")
    blobs, missing = _copy_blobs(app.blobs.root, dest, described["refs"])
    data = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "mailagent_version": __version__,
        "schema_revision": described["revision"],
        "database": {"kind": kind, "file": db_file, "sha256": file_sha256(dest / db_file)},
        "counts": described["counts"],
        "referenced": {k: len(v) for k, v in described["refs"].items()},
        "missing": missing,
        "blobs": blobs,
    }
    path = dest / MANIFEST
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)
    elapsed = time.perf_counter() - started
    log.info(
        "backup of %d messages and %d blobs to %s in %.2f s",
        data["counts"].get("messages", 0),
        sum(len(b) for b in blobs.values()),
        dest,
        elapsed,
        extra={"stage": "backup", "duration_s": round(elapsed, 3)},
    )
    return Manifest(path, data)


def load_manifest(src: Path) -> Manifest:
    path = src / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{path}: not a mailagent backup ({exc})") from exc
    if data.get("format") != FORMAT:
        raise BackupError(f"{path}: unknown backup format {data.get('format')!r}")
    return Manifest(path, data)


def _check_empty(app: App) -> None:
    from sqlalchemy import inspect

    with app.engine.connect() as conn:
        names = set(inspect(conn).get_table_names())
        busy = [
            t
            for t in ("messages", "customers", "users", "drafts")
            if t in names and conn.scalar(text(f"SELECT count(*) FROM {t}"))
        ]
    if busy:
        raise BackupError(f"the target store is not empty (rows in {', '.join(busy)})")
    for kind in BLOB_KINDS:
        if next(blob_files(app.blobs.root, kind), None) is not None:
            raise BackupError(f"the target store is not empty ({app.blobs.root / kind} has files)")


def restore(app: App, src: Path) -> Manifest:
    """Restore the backup in ``src`` into ``app``'s empty store, then migrate it to head."""
    manifest = load_manifest(src)
    db = manifest.data["database"]
    dump = src / db["file"]
    if not dump.is_file() or file_sha256(dump) != db["sha256"]:
        raise BackupError(f"{dump}: missing or does not match the manifest's hash")
    kind = app.engine.dialect.name
    if kind != db["kind"]:
        raise BackupError(f"the backup holds a {db['kind']} database; the store is {kind}")
    _check_empty(app)
    if kind == "sqlite":
        target = Path(app.engine.url.database or "")
        app.engine.dispose()
        for suffix in ("-wal", "-shm", ""):
            with contextlib.suppress(FileNotFoundError):
                Path(f"{target}{suffix}").unlink()
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(dump, target)
    else:
        url, env = _pg_args(app.engine)
        app.engine.dispose()
        argv = [_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--clean"]
        argv += ["--if-exists", "--single-transaction", f"--dbname={url}", str(dump)]
        _run(argv, env, "pg_restore")
    root = app.blobs.root
    for blob_kind, names in manifest.data["blobs"].items():
        for name in names:
            rel = Path(blob_kind, name[:2], name[2:4], name + BLOB_KINDS[blob_kind])
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src / rel, root / rel)
    from mailagent.db.session import upgrade

    upgrade(app.engine)
    log.info("restored %s into %s", src, root)
    return manifest
