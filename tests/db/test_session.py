"""Transactions on the store engine are atomic, savepoints included, on SQLite and PostgreSQL.

With the pysqlite driver's own transaction handling a SAVEPOINT opened before any write
starts a transaction of its own and its RELEASE commits it, so an outer rollback used to
leave the savepoint's rows behind. ``make_engine`` applies SQLAlchemy's documented recipe
(driver autocommit off, explicit ``BEGIN IMMEDIATE``); these tests pin it.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from mailagent.db import models as m
from mailagent.db.session import make_engine, session_factory, upgrade


class Boom(Exception):
    pass


@pytest.fixture
def engine(db_url: str) -> Engine:
    eng = make_engine(db_url)
    upgrade(eng)
    return eng


def _mailboxes(engine: Engine) -> list[str]:
    with Session(engine) as s:
        return list(s.scalars(select(m.Mailbox.name).order_by(m.Mailbox.name)))


def test_outer_rollback_after_released_savepoint_leaves_nothing(engine: Engine) -> None:
    factory = session_factory(engine)
    with pytest.raises(Boom), factory() as s, s.begin():
        with s.begin_nested():
            s.add(m.Mailbox(name="inside-savepoint"))
        raise Boom
    assert _mailboxes(engine) == []


def test_savepoint_rollback_keeps_the_outer_work(engine: Engine) -> None:
    factory = session_factory(engine)
    with factory() as s, s.begin():
        s.add(m.Mailbox(name="outer"))
        s.flush()
        with pytest.raises(Boom), s.begin_nested():
            s.add(m.Mailbox(name="rolled-back"))
            s.flush()
            raise Boom
        with s.begin_nested():
            s.add(m.Mailbox(name="kept"))
    assert _mailboxes(engine) == ["kept", "outer"]


def test_sqlite_write_transactions_begin_immediate(tmp_path: Path) -> None:
    """A read-then-write transaction never fails with SQLITE_BUSY_SNAPSHOT: it waits."""
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    upgrade(engine)
    factory = session_factory(engine)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(20):
                with factory() as s, s.begin():
                    count = s.scalar(select(func.count()).select_from(m.Mailbox)) or 0
                    time.sleep(0.001)  # read, then write after another writer committed
                    s.add(m.Mailbox(name=f"w{n}-{i}-{count}"))
        except BaseException as exc:  # pragma: no cover - the failure being tested for
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(_mailboxes(engine)) == 80
