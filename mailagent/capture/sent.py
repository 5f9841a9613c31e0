"""The IMAP Sent folder of a mailbox: where sent replies are filed and found again.

:class:`SentFolder` files a journal copy (flagged :data:`PENDING_FLAG`) before SMTP and the
final copy after it (via ``ImapSource.append``), and finds copies by Message-ID when the
outbox recovers from a crash between the two.
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any

from mailagent.capture.imap import ImapSource
from mailagent.capture.imap_auth import guard, open_client
from mailagent.config import MailboxSettings

__all__ = ["PENDING_FLAG", "SentFolder"]

PENDING_FLAG = "$MailagentPending"


class SentFolder:
    """The Sent folder of one mailbox: journal before SMTP, copy after, lookup on recovery."""

    def __init__(self, settings: MailboxSettings) -> None:
        self.settings = settings
        self.folder = settings.sent_folder
        self._client: Any = None
        self._source: ImapSource | None = None
        self.where = f"IMAP {settings.name} {self.folder}"

    def _conn(self) -> Any:
        if self._client is None:
            self._client = open_client(self.settings)
            with guard(self.where, "SELECT"):
                if not self._client.folder_exists(self.folder):
                    self._client.create_folder(self.folder)
                self._client.select_folder(self.folder)
        return self._client

    def find(self, message_id: str) -> list[tuple[int, bool]]:
        """``(uid, still pending)`` of every copy with this Message-ID."""
        client = self._conn()
        with guard(self.where, "SEARCH"):
            client.noop()  # see messages appended by other connections
            uids = client.search(["HEADER", "Message-ID", f"<{message_id}>"])
            flags = client.get_flags(uids) if uids else {}
        pending = PENDING_FLAG.encode()
        return [(int(u), pending in flags.get(u, ())) for u in sorted(uids)]

    def file(self, raw: bytes, when: datetime, *, pending: bool) -> int | None:
        """APPEND the copy (``\\Seen``, plus the pending flag for a journal copy)."""
        if self._source is None:
            self._source = ImapSource(self.settings)
            self._source.connect()
        flags = ["\\Seen", PENDING_FLAG] if pending else ["\\Seen"]
        return self._source.append(self.folder, raw, flags=flags, when=when)

    def confirm(self, uid: int) -> None:
        client = self._conn()
        with guard(self.where, "STORE"):
            client.noop()  # a UID appended over the other connection must be known here
            client.remove_flags([uid], [PENDING_FLAG], silent=True)

    def discard(self, uid: int) -> None:
        client = self._conn()
        with guard(self.where, "EXPUNGE"):
            client.noop()
            client.delete_messages([uid], silent=True)
            client.uid_expunge([uid])

    def close(self) -> None:
        """Log out of both connections (errors ignored: they may already be dead)."""
        client, source, self._client, self._source = self._client, self._source, None, None
        if client is not None:
            with contextlib.suppress(Exception):
                client.logout()
        if source is not None:
            source.close()
