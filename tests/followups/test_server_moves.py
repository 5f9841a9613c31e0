"""Junk / not junk / phishing / archive mirrored as moves on a real Dovecot (never deletes).

Mail is delivered over LMTP and captured over IMAP; a person's correction queues a move that
the follow-up job carries out. The queue keeps a request while the server is away (with the
reason) and carries it out on a later run; without the MOVE extension the message is copied
and the original is kept with a keyword.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from imapclient import IMAPClient
from sqlalchemy import select
from support.apptools import mail, make_app
from support.servers import Dovecot, free_port, unique_name

from mailagent.app import App
from mailagent.capture.imap import ImapSource
from mailagent.capture.imap_auth import open_client
from mailagent.cli.main import cli
from mailagent.config import FollowupSettings, ImapSettings
from mailagent.daemon.loop import MailboxWorker
from mailagent.db import models as m
from mailagent.followups import imapmoves
from mailagent.followups.service import run_followups
from mailagent.messages.relevance import RelevanceError, archive, correct

pytestmark = pytest.mark.dovecot
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@dataclasses.dataclass
class Box:
    app: App
    dovecot: Dovecot
    user: str

    def deliver(self, n: int) -> tuple[int, str]:
        """A mail delivered and captured; (message pk, Message-ID)."""
        mid = unique_name(f"m{n}") + "@spam.example"
        self.dovecot.deliver_lmtp(
            self.user,
            mail(n, sender="promo@spam.example", message_id=f"<{mid}>", subject=f"Offer {n}"),
        )
        self.poll()
        with self.app.sessions() as s:
            pk = s.scalar(select(m.Message.id).where(m.Message.message_id == mid))
        assert pk is not None
        return pk, mid

    def poll(self) -> None:
        (mb,) = self.app.settings.imap.mailboxes
        with ImapSource(mb) as source:
            MailboxWorker(self.app, mb, threading.Event()).poll_once(source)

    def folders_of(self, mid: str) -> dict[str, list[tuple[bytes, ...]]]:
        """Folder -> flags of each copy of the message on the server."""
        out: dict[str, list[tuple[bytes, ...]]] = {}
        with IMAPClient("127.0.0.1", self.dovecot.imap_port, ssl=False, timeout=10) as c:
            c.login(self.user, self.dovecot.password)
            for _flags, _sep, name in c.list_folders():
                c.select_folder(name, readonly=True)
                uids = c.search(["HEADER", "Message-ID", f"<{mid}>"])
                if uids:
                    out[str(name)] = [tuple(f) for f in c.get_flags(uids).values()]
        return out

    def located(self, pk: int) -> list[str]:
        with self.app.sessions() as s:
            stmt = select(m.MessageLocation.folder).where(m.MessageLocation.message_pk == pk)
            return list(s.scalars(stmt))

    def moves(self, pk: int) -> list[m.ServerMove]:
        with self.app.sessions() as s:
            return list(
                s.scalars(
                    select(m.ServerMove)
                    .where(m.ServerMove.message_pk == pk)
                    .order_by(m.ServerMove.id)
                )
            )


@pytest.fixture
def box(tmp_path: Path, dovecot: Dovecot, imap_user: str) -> Iterator[Box]:
    app = make_app(
        tmp_path,
        f"sqlite:///{tmp_path / 'mailagent.db'}",
        imap=ImapSettings(mailboxes=[dovecot.mailbox_settings(imap_user)]),
        followups=FollowupSettings(mirror_moves=True),
    )
    app.clock = lambda: NOW
    yield Box(app, dovecot, imap_user)
    app.close()


def test_junk_then_not_junk_moves_the_message_and_back(box: Box) -> None:
    pk, mid = box.deliver(1)
    assert list(box.folders_of(mid)) == ["INBOX"]
    correct(box.app, pk, "junk", "kevin")
    (queued,) = box.moves(pk)
    assert (queued.state, queued.target, queued.requested_by) == ("queued", "Junk", "kevin")

    summary = run_followups(box.app, NOW)
    assert summary.moves == ["done"]
    assert list(box.folders_of(mid)) == ["Junk"]
    assert box.located(pk) == ["Junk"]
    (done,) = box.moves(pk)
    assert done.state == "done" and "INBOX -> Junk (MOVE" in done.reasons[-1]
    assert imapmoves.drain_moves(box.app, NOW) == []  # drained: nothing twice

    correct(box.app, pk, "notjunk", "kevin")
    (outcome,) = imapmoves.drain_moves(box.app, NOW + timedelta(minutes=1))
    assert outcome.state == "done"
    assert list(box.folders_of(mid)) == ["INBOX"] and box.located(pk) == ["INBOX"]
    box.poll()  # the poller sees the moved-back message as one it has stored already
    assert box.located(pk) == ["INBOX"]
    with box.app.sessions() as s:
        audited = select(m.AuditEvent.id).where(m.AuditEvent.action == "message.moved")
        assert s.scalar(audited) is not None


def test_only_the_newest_request_is_carried_out_and_archive(box: Box) -> None:
    pk, mid = box.deliver(2)
    correct(box.app, pk, "phishing", "kevin")
    correct(box.app, pk, "notjunk", "kevin")  # changed their mind before the daemon ran
    states = [o.state for o in imapmoves.drain_moves(box.app, NOW)]
    assert states == ["done"]  # already in INBOX: nothing moved
    first, second = box.moves(pk)
    assert first.state == "superseded" and "already there" in second.reasons[-1]
    assert list(box.folders_of(mid)) == ["INBOX"]

    assert archive(box.app, pk, "kevin") == "Archive"
    assert [o.state for o in imapmoves.drain_moves(box.app, NOW)] == ["done"]
    assert list(box.folders_of(mid)) == ["Archive"] and box.located(pk) == ["Archive"]


def test_a_server_away_keeps_the_request_queued_with_the_reason(box: Box) -> None:
    pk, mid = box.deliver(3)
    good = box.app.settings
    (mb,) = good.imap.mailboxes
    away = dataclasses.replace(mb, port=free_port())
    box.app.settings = dataclasses.replace(good, imap=ImapSettings(mailboxes=[away]))
    correct(box.app, pk, "junk", "kevin")
    (outcome,) = imapmoves.drain_moves(box.app, NOW)
    assert outcome.state == "queued" and "connect" in outcome.reason
    (row,) = box.moves(pk)
    assert (row.state, row.attempts) == ("queued", 1) and "connect" in row.reasons[0]
    assert list(box.folders_of(mid)) == ["INBOX"]

    box.app.settings = good  # the server is back (a daemon restart reads the same queue)
    (outcome,) = imapmoves.drain_moves(box.app, NOW + timedelta(minutes=30))
    assert outcome.state == "done" and list(box.folders_of(mid)) == ["Junk"]
    (row,) = box.moves(pk)
    assert (row.state, len(row.reasons)) == ("done", 2)


def test_without_move_the_original_is_copied_and_kept_with_a_keyword(box: Box) -> None:
    pk, mid = box.deliver(4)
    ((_loc_id, folder, uidvalidity, uid),) = _locations(box, pk)
    job = imapmoves._Job(1, pk, mid, False, "Archive", ())
    client = open_client(box.app.settings.imap.mailboxes[0])
    try:  # a second run (the first was cut short before the store was updated) copies nothing
        hows = [
            imapmoves.relocate(client, folder, uidvalidity, uid, job, can_move=False)
            for _ in range(2)
        ]
    finally:
        client.logout()
    assert [h[0] if h else None for h in hows] == [
        "COPY, original kept with $MailagentMoved",
        "already in the target folder",
    ]
    where = box.folders_of(mid)
    assert sorted(where) == ["Archive", "INBOX"] and len(where["Archive"]) == 1
    (flags,) = where["INBOX"]
    assert imapmoves.KEYWORD in flags and b"\\Seen" in flags and b"\\Deleted" not in flags


def test_nothing_is_queued_when_moves_are_not_mirrored(box: Box) -> None:
    pk, _mid = box.deliver(5)
    box.app.settings = dataclasses.replace(box.app.settings, followups=FollowupSettings())
    correct(box.app, pk, "junk", "kevin")
    assert box.moves(pk) == []
    with pytest.raises(RelevanceError, match="mirror_moves"):
        archive(box.app, pk, "kevin")


def _locations(box: Box, pk: int) -> list[tuple[int, str, int, int]]:
    with box.app.sessions() as s:
        rows = s.scalars(select(m.MessageLocation).where(m.MessageLocation.message_pk == pk))
        return [(r.id, r.folder, int(r.uidvalidity), int(r.uid)) for r in rows]


def test_cli_archive_show_and_the_daemons_job(box: Box, tmp_path: Path) -> None:
    pk, mid = box.deliver(6)
    s = box.app.settings
    (mb,) = s.imap.mailboxes
    config = tmp_path / "config.toml"
    config.write_text(
        f'rules_dir = "{s.rules_dir}"\ntemplates_dir = "{s.templates_dir}"\n'
        f'[store]\nurl = "{s.store.url}"\ndir = "{s.store.dir}"\n'
        '[followups]\nmirror_moves = true\narchive_folder = "Done"\n'
        f'[[imap.mailboxes]]\nname = "{mb.name}"\nhost = "{mb.host}"\nport = {mb.port}\n'
        f'security = "plain"\nusername = "{mb.username}"\npassword_env = "{mb.password_env}"\n',
        encoding="utf-8",
    )
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(cli, ["--config", str(config), *args])
        assert result.exit_code == 0, result.output
        return result.output

    assert "the move to Done is queued" in run("messages", "archive", str(pk), "--as", "kevin")
    assert "On the mail server: queued (to Done)" in run("messages", "show", str(pk))
    assert "1 of 1 move(s) done on the server" in run("followups", "run")
    assert "On the mail server: done (to Done)" in run("messages", "show", str(pk))
    assert list(box.folders_of(mid)) == ["Done"]
    missing = runner.invoke(cli, ["--config", str(config), "messages", "archive", "424242"])
    assert missing.exit_code == 3
