"""``mailagent verify``: every blob a row references is there and hashes to its name.

Reads the referenced hashes from the database (raw mail of messages, quarantine entries and
sent replies; stored attachments; minus raw mail retention deleted on purpose), then hashes
each file. With a backup manifest it also compares the table counts, so "restore, then
verify" proves nothing was lost. Read-only: it never repairs or deletes anything.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from mailagent.app import App
from mailagent.ops.backup import Manifest
from mailagent.ops.storefiles import BLOB_KINDS, file_sha256, referenced_blobs, table_counts

__all__ = ["VerifyReport", "verify"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class VerifyReport:
    counts: dict[str, int]
    checked: dict[str, int]
    missing: tuple[str, ...]
    corrupt: tuple[str, ...]
    count_mismatches: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.corrupt or self.count_mismatches)

    def lines(self) -> list[str]:
        out = [
            f"messages: {self.counts.get('messages', 0)}, "
            + ", ".join(f"{kind} blobs checked: {n}" for kind, n in self.checked.items()),
            f"missing: {len(self.missing)}, corrupt: {len(self.corrupt)}",
        ]
        out += [f"  missing {name}" for name in self.missing[:50]]
        out += [f"  corrupt {name}" for name in self.corrupt[:50]]
        for table, (want, have) in sorted(self.count_mismatches.items()):
            out.append(f"  {table}: {have} rows, the backup manifest says {want}")
        return out


def verify(app: App, manifest: Manifest | None = None) -> VerifyReport:
    """Check every referenced blob of ``app``'s store (and the counts of ``manifest``)."""
    with app.engine.connect() as conn:
        refs = referenced_blobs(conn)
        counts = table_counts(conn)
    missing: list[str] = []
    corrupt: list[str] = []
    checked: dict[str, int] = {}
    for kind, hashes in refs.items():
        checked[kind] = len(hashes)
        for digest in sorted(hashes):
            path = app.blobs.path(kind, digest, BLOB_KINDS[kind])
            if not path.is_file():
                missing.append(f"{kind}/{digest}")
            elif file_sha256(path) != digest:
                corrupt.append(f"{kind}/{digest}")
    mismatches: dict[str, tuple[int, int]] = {}
    if manifest is not None:
        for table, want in manifest.counts.items():
            if table != "apscheduler_jobs" and counts.get(table, 0) != want:
                mismatches[table] = (want, counts.get(table, 0))
    report = VerifyReport(counts, checked, tuple(missing), tuple(corrupt), mismatches)
    log.info("verify: %s", "; ".join(report.lines()[:2]))
    return report
