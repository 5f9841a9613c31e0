"""IMAP edge: fetch new mail by (UIDVALIDITY, UID), optionally flag or move it, wait for changes.

:class:`ImapSource` wraps one ``imapclient`` connection to one configured mailbox. It only
talks to the server: it never parses messages and never touches the database, and it never
sets ``\\Seen``, moves or deletes mail unless the mailbox settings ask for it (``mark_seen``,
``move_to``). Every imapclient, socket and TLS error leaves as
:class:`~mailagent.errors.SourceError` naming host, port and security, never a secret.
:func:`poll_folder` is one ingest pass for the daemon and :class:`Backoff` its reconnect delay.
"""

from __future__ import annotations

import contextlib
import logging
import random
import re
import ssl
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any
from urllib.parse import quote

from mailagent.capture.imap_auth import describe, guard, open_client
from mailagent.capture.oauth2 import tokens_for
from mailagent.config import MailboxSettings
from mailagent.errors import SourceError
from mailagent.records import FetchedMail

__all__ = ["IDLE_MAX_SECONDS", "Backoff", "FolderState", "ImapSource", "poll_folder"]

log = logging.getLogger(__name__)

IDLE_MAX_SECONDS = 25 * 60  # RFC 2177: re-issue IDLE at least every 29 minutes
FETCH_ITEMS = ("BODY.PEEK[]", "INTERNALDATE", "FLAGS")  # PEEK: never sets \Seen
_CHANGES = frozenset({b"EXISTS", b"RECENT", b"EXPUNGE"})
_APPENDUID = re.compile(rb"\[APPENDUID (\d+) (\d+)\]", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class FolderState:
    """What the store remembers per (mailbox, folder): highest stored UID under a UIDVALIDITY."""

    uidvalidity: int
    last_uid: int  # highest UID already stored (0 = none)


def _has_change(responses: Sequence[Any]) -> bool:
    """True if untagged responses report new, recent or expunged messages."""
    return any(
        isinstance(r, tuple) and len(r) >= 2 and isinstance(r[0], int) and r[1] in _CHANGES
        for r in responses
    )


class ImapSource:
    """One IMAP connection for one configured mailbox (not thread-safe; one per worker)."""

    def __init__(
        self, settings: MailboxSettings, *, ssl_context: ssl.SSLContext | None = None
    ) -> None:
        self._settings = settings
        self._ssl_context = ssl_context
        self._client: Any = None  # imapclient.IMAPClient (untyped library)
        self._selected: FolderState | None = None
        self._selected_folder: str | None = None
        self._move_target_checked = False

    def __repr__(self) -> str:
        s = self._settings
        return f"ImapSource({s.name!r}, {s.username}@{s.host}:{s.port}, {s.security})"

    def __enter__(self) -> ImapSource:
        if self._client is None:
            self.connect()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def where(self) -> str:
        """``IMAP name (host:port, security)``: the context put in every error message."""
        return describe(self._settings)

    @property
    def selected(self) -> FolderState | None:
        """State of the selected folder as of its last SELECT (None before any)."""
        return self._selected

    def _guard(self, action: str) -> contextlib.AbstractContextManager[None]:
        return guard(self.where, action)

    def _conn(self) -> Any:
        if self._client is None:
            raise SourceError(f"{self.where}: not connected")
        return self._client

    # -- connection ------------------------------------------------------------------------

    def connect(self) -> None:
        """Open the connection (IMAPS, STARTTLS or loopback-only plain) and log in."""
        self.close()
        self._client = open_client(self._settings, self._ssl_context)

    def close(self) -> None:
        """Log out and drop the connection; errors are ignored (it may already be dead)."""
        client, self._client = self._client, None
        self._selected = self._selected_folder = None
        self._move_target_checked = False
        if client is None:
            return
        try:
            client.logout()
        except Exception:  # closing a dead connection must not fail
            with contextlib.suppress(Exception):
                client.shutdown()

    def capabilities(self) -> frozenset[str]:
        """The server's capabilities (upper case), as announced after login."""
        client = self._conn()
        with self._guard("CAPABILITY"):
            caps = client.capabilities()
        return frozenset(c.decode("ascii", "replace").upper() for c in caps)

    def has_folder(self, folder: str) -> bool:
        """True if ``folder`` exists on the server."""
        client = self._conn()
        with self._guard(f"LIST {folder}"):
            return bool(client.folder_exists(folder))

    # -- reading ---------------------------------------------------------------------------

    def select(self, folder: str) -> FolderState:
        """SELECT ``folder`` (read-only unless mark_seen/move_to); UIDNEXT-1 as last_uid."""
        s = self._settings
        client = self._conn()
        readonly = not (s.mark_seen or s.move_to)
        with self._guard(f"SELECT {folder}"):
            resp = client.select_folder(folder, readonly=readonly)
            uidnext = resp.get(b"UIDNEXT")
            if uidnext is None:  # not mandatory before IMAP4rev2: ask for the highest UID
                last = max(client.search(["UID", "*"]), default=0) if resp.get(b"EXISTS") else 0
            else:
                last = int(uidnext) - 1
        if b"UIDVALIDITY" not in resp:
            raise SourceError(f"{self.where}: SELECT {folder}: server sent no UIDVALIDITY")
        self._selected = FolderState(int(resp[b"UIDVALIDITY"]), last)
        self._selected_folder = folder
        return self._selected

    def fetch_new(self, folder: str, known: FolderState | None) -> Iterator[list[FetchedMail]]:
        """Yield batches of messages newer than ``known``, ascending by UID, never setting \\Seen.

        Without a known state, or when UIDVALIDITY changed, every message is yielded again
        (the caller dedups by Message-ID / raw hash). Memory stays flat: one UID SEARCH,
        then one FETCH per batch of ``batch_size`` UIDs.
        """
        state = self.select(folder)
        start = 1
        if known is not None and known.uidvalidity != state.uidvalidity:
            log.warning(
                "%s: UIDVALIDITY of %s changed from %d to %d: fetching all messages again",
                self.where,
                folder,
                known.uidvalidity,
                state.uidvalidity,
            )
        elif known is not None:
            start = known.last_uid + 1
        if start > state.last_uid:
            return
        uids = self._search_from(folder, start)
        log.debug("%s: %d new messages in %s from UID %d", self.where, len(uids), folder, start)
        size = max(1, self._settings.batch_size)
        for i in range(0, len(uids), size):
            batch = self._fetch(folder, state.uidvalidity, uids[i : i + size])
            if batch:
                yield batch

    def fetch_live_first(
        self, folder: str, known: FolderState | None
    ) -> Iterator[tuple[list[FetchedMail], int]]:
        """Like :meth:`fetch_new`, but mail that arrives during a long backfill goes first.

        Yields ``(batch, frontier)``: ``frontier`` is the highest UID below which every
        message has been yielded, the ``last_uid`` that is safe to store with the batch.
        Between two backlog batches one ``UID SEARCH`` asks for UIDs above everything seen;
        those (live mail) are yielded at once with the frontier unchanged, so a crash redoes
        them as duplicates (no-ops) rather than skipping any of the backlog.
        """
        state = self.select(folder)
        start = 1 if known is None or known.uidvalidity != state.uidvalidity else known.last_uid + 1
        if known is not None and known.uidvalidity != state.uidvalidity:
            log.warning(
                "%s: UIDVALIDITY of %s changed from %d to %d: fetching all messages again",
                self.where,
                folder,
                known.uidvalidity,
                state.uidvalidity,
            )
        if start > state.last_uid:
            return
        backlog = self._search_from(folder, start)
        size = max(1, self._settings.batch_size)
        seen = max(backlog, default=start - 1)
        frontier = start - 1
        for i in range(0, len(backlog), size):
            if i:  # live mail first: anything that arrived since the last look
                with self._guard(f"NOOP in {folder}"):
                    self._conn().noop()  # lets the server announce (sync) new messages
                live = self._search_from(folder, seen + 1)
                for j in range(0, len(live), size):
                    batch = self._fetch(folder, state.uidvalidity, live[j : j + size])
                    seen = max(seen, live[min(j + size, len(live)) - 1])
                    if batch:
                        log.debug(
                            "%s: %d live messages ahead of the backlog", self.where, len(batch)
                        )
                        yield batch, frontier
            chunk = backlog[i : i + size]
            rest = backlog[i + size : i + size + 1]
            frontier = rest[0] - 1 if rest else seen
            batch = self._fetch(folder, state.uidvalidity, chunk)
            if batch:
                yield batch, frontier

    def _search_from(self, folder: str, start: int) -> list[int]:
        """UIDs >= ``start`` in the selected folder, ascending."""
        with self._guard(f"UID SEARCH in {folder}"):
            found = self._conn().search(["UID", f"{start}:*"])
        return sorted(int(u) for u in found if int(u) >= start)  # n:* always matches the last

    def _fetch(self, folder: str, uidvalidity: int, chunk: list[int]) -> list[FetchedMail]:
        with self._guard(f"FETCH {len(chunk)} messages from {folder}"):
            resp = self._conn().fetch(chunk, list(FETCH_ITEMS))
        batch = [self._mail(folder, uidvalidity, uid, resp[uid]) for uid in chunk if uid in resp]
        if len(batch) < len(chunk):
            log.info(
                "%s: %d messages vanished from %s during fetch",
                self.where,
                len(chunk) - len(batch),
                folder,
            )
        return batch

    def _mail(self, folder: str, uidvalidity: int, uid: int, data: dict[bytes, Any]) -> FetchedMail:
        raw = data.get(b"BODY[]")
        if not isinstance(raw, bytes):
            raise SourceError(f"{self.where}: {folder} UID {uid}: server returned no body")
        when = data.get(b"INTERNALDATE")
        if isinstance(when, datetime):
            when = when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
        else:
            when = None
        flags = tuple(
            f.decode("utf-8", "replace") if isinstance(f, bytes) else str(f)
            for f in data.get(b"FLAGS", ())
        )
        url = f"imap://{self._settings.host}/{quote(folder)};UIDVALIDITY={uidvalidity}/;UID={uid}"
        return FetchedMail(
            raw=raw,
            mailbox=self._settings.name,
            folder=folder,
            uidvalidity=uidvalidity,
            uid=uid,
            origin=url,
            internal_date=when,
            flags=flags,
        )

    # -- writing ---------------------------------------------------------------------------

    def mark_done(self, folder: str, uids: Sequence[int]) -> None:
        """After storing: add \\Seen (mark_seen) and/or move (move_to); else do nothing."""
        s = self._settings
        if not uids or not (s.mark_seen or s.move_to):
            return
        client = self._conn()
        if self._selected_folder != folder:
            self.select(folder)
        uid_list = [int(u) for u in uids]
        with self._guard(f"marking {len(uid_list)} messages in {folder} done"):
            if s.mark_seen:
                client.add_flags(uid_list, [rb"\Seen"], silent=True)
            if s.move_to and s.move_to != folder:
                self._move(client, uid_list, s.move_to)

    def _move(self, client: Any, uids: list[int], target: str) -> None:
        if not self._move_target_checked:
            if not client.folder_exists(target):
                client.create_folder(target)
                log.info("%s: created folder %s for move_to", self.where, target)
            self._move_target_checked = True
        caps = self.capabilities()
        if "MOVE" in caps:
            client.move(uids, target)
            return
        client.copy(uids, target)
        client.add_flags(uids, [rb"\Deleted"], silent=True)
        if "UIDPLUS" in caps:
            client.uid_expunge(uids)
        else:  # a plain EXPUNGE would also remove mail others flagged \Deleted
            log.warning(
                "%s: no UIDPLUS: %d copied messages stay flagged \\Deleted", self.where, len(uids)
            )

    def append(
        self, folder: str, raw: bytes, flags: Sequence[str] = (), when: datetime | None = None
    ) -> int | None:
        """APPEND ``raw`` to ``folder``; the new UID if the server reports APPENDUID."""
        client = self._conn()
        with self._guard(f"APPEND to {folder}"):
            resp = client.append(folder, raw, flags=tuple(flags), msg_time=when)
        match = _APPENDUID.search(resp if isinstance(resp, bytes) else b"")
        return int(match.group(2)) if match else None

    # -- waiting ---------------------------------------------------------------------------

    def wait_for_changes(self, folder: str, timeout: float) -> bool:
        """Block until ``folder`` may have changed: True = fetch now, False = timed out.

        With IDLE (configured and announced) returns True as soon as the server reports
        EXISTS/RECENT/EXPUNGE; the wait is capped at poll_seconds and 25 minutes so IDLE is
        re-issued in time. Without IDLE it sleeps min(timeout, poll_seconds), sends NOOP to
        keep the connection alive and returns True (the caller polls).
        """
        s = self._settings
        if s.auth == "xoauth2" and s.oauth_provider:
            due = tokens_for(s).refresh_due_in()
            if due <= 0:  # the access token expires soon: log in again with a fresh one
                log.info("%s: access token due for refresh; reconnecting", self.where)
                self.connect()
                return True  # poll at once: whatever arrived meanwhile is fetched by UID
            timeout = min(timeout, due)
        client = self._conn()
        if self._selected_folder != folder:
            self.select(folder)
        if s.idle and "IDLE" in self.capabilities():
            cap = min(timeout, IDLE_MAX_SECONDS, max(1, s.poll_seconds))
            return self._idle(client, folder, cap)
        time.sleep(max(0.0, min(timeout, s.poll_seconds)))
        with self._guard("NOOP"):
            client.noop()
        return True

    def _idle(self, client: Any, folder: str, seconds: float) -> bool:
        deadline = time.monotonic() + max(0.0, seconds)
        changed = False
        with self._guard(f"IDLE on {folder}"):
            client.idle()
            while not changed and (remaining := deadline - time.monotonic()) > 0:
                responses = client.idle_check(timeout=remaining)
                if any(isinstance(r, tuple) and r and r[0] == b"BYE" for r in responses):
                    raise SourceError(f"{self.where}: server closed the connection during IDLE")
                changed = _has_change(responses)
                if not responses and time.monotonic() < deadline:
                    changed = True  # readable but no full line (EOF?): let idle_done tell
            _text, rest = client.idle_done()
        return changed or _has_change(rest)


class Backoff:
    """Reconnect delays 1, 2, 4, ... seconds with +-20% jitter, never above ``max_seconds``.

    Pure apart from the injected :class:`random.Random`; call :meth:`reset` after a success.
    """

    def __init__(
        self,
        max_seconds: float = 300.0,
        *,
        base_seconds: float = 1.0,
        jitter: float = 0.2,
        rng: random.Random | None = None,
    ) -> None:
        self.max_seconds = max_seconds
        self.base_seconds = base_seconds
        self.jitter = jitter
        self._rng = rng if rng is not None else random.Random()
        self.attempts = 0

    def next_delay(self) -> float:
        """The delay before the next attempt (and count this attempt)."""
        raw = min(self.base_seconds * (1 << min(self.attempts, 62)), self.max_seconds)
        self.attempts += 1
        low, high = raw * (1 - self.jitter), min(raw * (1 + self.jitter), self.max_seconds)
        return self._rng.uniform(low, high)  # at the cap: jitter downwards only

    def reset(self) -> None:
        self.attempts = 0


def poll_folder(
    source: ImapSource,
    folder: str,
    known: FolderState | None,
    handle_batch: Callable[[list[FetchedMail], FolderState], None],
    *,
    mark: bool = True,
) -> FolderState:
    """One ingest pass over ``folder``; returns the state to pass as ``known`` next time.

    ``handle_batch(batch, state_after_batch)`` must store the messages and the state in one
    transaction, so a crash redoes at most one batch. Mail that arrives during a long
    backfill is handled between two backlog batches (see :meth:`ImapSource.fetch_live_first`).
    Only after it returns are the messages marked done (flagged/moved, if configured); if
    that fails they stay stored, just unmarked. ``mark=False`` never marks (the Sent
    folder: our own copies stay where the mail client filed them).
    """
    state = known
    for batch, frontier in source.fetch_live_first(folder, known):
        after = FolderState(batch[-1].uidvalidity, frontier)
        handle_batch(batch, after)
        if mark:
            source.mark_done(folder, [m.uid for m in batch])
        state = after
    current = source.selected
    if current is not None and (state is None or state.uidvalidity != current.uidvalidity):
        state = FolderState(current.uidvalidity, 0)
    if state is None:  # pragma: no cover - fetch_new always selects first
        raise SourceError(f"{source.where}: {folder} was not selected")
    return state
