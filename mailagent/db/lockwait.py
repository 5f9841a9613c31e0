"""Who is waiting for a SQLite database's write lock, across threads and processes.

SQLite does not tell a lock holder that someone waits: a writer blocked in ``BEGIN
IMMEDIATE`` sleeps in its busy handler and polls (every 100 ms at most). A long-running
writer that begins its next transaction at once after a commit (the triage worker, claim
after claim) would therefore starve capture and the web UI. So a connection whose
``BEGIN IMMEDIATE`` finds the lock taken leaves a marker file in a directory next to the
database (``<database>-lockwait/``) while it waits, and removes it once it holds the lock.
The triage worker looks at that directory after each claim: it pauses only while someone
waits, and claims again at once otherwise.

A marker is one empty file named ``<pid>-<thread id>``: creating and removing it costs
microseconds and happens only when the lock was actually taken. A marker left by a process
that died while waiting is ignored, and removed, once it is older than
:data:`STALE_SECONDS` (no waiter waits longer than the 30 s busy timeout).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

__all__ = ["STALE_SECONDS", "marker_name", "others_waiting", "wait_dir", "waiting"]

STALE_SECONDS = 60.0


def wait_dir(database: str | None) -> Path | None:
    """The marker directory of a SQLite database file (None for an in-memory database)."""
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return None
    return Path(database + "-lockwait")


def marker_name() -> str:
    """This thread's marker name (a thread waits for at most one lock at a time)."""
    return f"{os.getpid()}-{threading.get_ident()}"


@contextmanager
def waiting(directory: Path) -> Iterator[None]:
    """Mark this thread as waiting for the write lock for the duration of the block."""
    marker = directory / marker_name()
    try:
        directory.mkdir(exist_ok=True)
        marker.touch()
    except OSError:  # read-only directory, say: waiting still works, unannounced
        yield
        return
    try:
        yield
    finally:
        with suppress(OSError):
            marker.unlink()


def others_waiting(directory: Path, *, now: float | None = None) -> int:
    """How many other threads (of any process) wait for the lock now."""
    mine = marker_name()
    limit = (time.time() if now is None else now) - STALE_SECONDS
    count = 0
    try:
        with os.scandir(directory) as entries:
            for entry in entries:
                if entry.name == mine:
                    continue
                with suppress(OSError):  # removed meanwhile: its owner got the lock
                    if entry.stat().st_mtime >= limit:
                        count += 1
                    else:  # left by a process that died while waiting
                        os.unlink(entry.path)
    except OSError:  # no directory yet: nobody ever waited
        return 0
    return count
