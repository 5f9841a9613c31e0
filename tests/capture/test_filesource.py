"""Offline sources: Maildir, mbox, .eml folders and single files."""

from __future__ import annotations

import mailbox
from pathlib import Path

import pytest

from mailagent.capture.files import count_messages, detect_kind, iter_messages
from mailagent.errors import MailagentError


def _msg(n: int) -> bytes:
    return (
        f"From: a{n}@example.com\r\nSubject: test {n}\r\nMessage-ID: <m{n}@x>\r\n\r\nbody {n}\r\n"
    ).encode()


def test_maildir_with_subfolders(tmp_path: Path) -> None:
    md = mailbox.Maildir(tmp_path / "md", create=True)
    for n in range(3):
        md.add(_msg(n))
    sub = md.add_folder("Archive")
    sub.add(_msg(9))
    path = tmp_path / "md"
    assert detect_kind(path) == "maildir"
    raws = [raw for raw, _ in iter_messages(path)]
    assert len(raws) == 4 and count_messages(path) == 4
    assert any(b"body 9" in r for r in raws)


def test_mbox_streams_every_message(tmp_path: Path) -> None:
    path = tmp_path / "box.mbox"
    box = mailbox.mbox(path)
    for n in range(5):
        box.add(_msg(n))
    box.flush()
    box.close()
    assert detect_kind(path) == "mbox"
    got = list(iter_messages(path))
    assert len(got) == 5
    assert got[0][1].startswith(str(path) + "#")
    assert b"Subject: test 4" in got[4][0]
    assert count_messages(path) is None


def test_eml_folder_and_single_file(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.eml").write_bytes(_msg(1))
    (tmp_path / "two.eml").write_bytes(_msg(2))
    (tmp_path / ".hidden.eml").write_bytes(_msg(3))
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")
    assert detect_kind(tmp_path) == "eml-dir"
    assert sorted(o.rsplit("/", 1)[1] for _, o in iter_messages(tmp_path)) == ["one.eml", "two.eml"]
    assert detect_kind(tmp_path / "two.eml") == "eml"
    assert next(iter(iter_messages(tmp_path / "two.eml")))[0] == _msg(2)


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(MailagentError, match="no such file"):
        detect_kind(tmp_path / "nope")
