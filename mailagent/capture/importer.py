"""Use case: import a Maildir / mbox / .eml folder in batches, with a progress bar."""

from __future__ import annotations

import itertools
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from mailagent.app import App
from mailagent.capture.files import count_messages, iter_messages
from mailagent.capture.ingest import IngestResult, IngestStatus, ingest_raw

__all__ = ["ImportReport", "import_path"]


@dataclass
class ImportReport:
    path: Path
    counts: Counter[str] = field(default_factory=Counter)
    quarantined: list[IngestResult] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def describe(self) -> str:
        parts = ", ".join(f"{self.counts[s.value]} {s.value}" for s in IngestStatus)
        lines = [f"{self.path}: {self.total} message(s): {parts}"]
        lines += [
            f"  quarantined #{r.quarantine_id} {r.origin}: {r.reason}" for r in self.quarantined
        ]
        return "\n".join(lines)


def import_path(
    app: App,
    path: Path,
    *,
    mailbox: str = "import",
    batch_size: int = 200,
    progress: bool = False,
) -> ImportReport:
    report = ImportReport(path)
    total = count_messages(path)
    bar = tqdm(
        total=total,
        unit="msg",
        desc=f"importing {path.name}",
        disable=not progress or not sys.stderr.isatty(),
    )
    it = iter_messages(path)
    try:
        while chunk := list(itertools.islice(it, batch_size)):
            for r in ingest_raw(app, chunk, mailbox=mailbox):
                report.counts[r.status.value] += 1
                if r.status is IngestStatus.QUARANTINED:
                    report.quarantined.append(r)
            bar.update(len(chunk))
    finally:
        bar.close()
    return report
