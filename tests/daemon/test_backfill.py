"""`mailagent run` backfilling a full mailbox while new mail arrives and drafts are approved.

The daemon starts on a mailbox that already holds thousands of messages. While it captures
and triages that backlog, new mail is delivered over LMTP (IDLE) and a salesperson approves
drafts from another process. Nothing may fail: no "database is locked", no failed triage
pass, and the live mail is triaged ahead of the backlog (newest-first lane).
"""

from __future__ import annotations

import dataclasses
import statistics
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from support.apptools import mail, make_settings
from support.daemons import DaemonProcess, prime_store, wait_until, write_config
from support.servers import Dovecot

from mailagent.app import App, open_app
from mailagent.config import SmtpSettings
from mailagent.db import models as m
from mailagent.drafts import service as drafts

pytestmark = [pytest.mark.dovecot, pytest.mark.slow]

BACKLOG = 2000
LIVE = 15


@pytest.fixture
def daemons(tmp_path: Path) -> Iterator[Callable[[Path], DaemonProcess]]:
    started: list[DaemonProcess] = []

    def start(config: Path) -> DaemonProcess:
        started.append(DaemonProcess(config, tmp_path / "daemon.log", "--triage-workers", "1"))
        return started[-1]

    yield start
    for d in started:
        if d.alive():
            d.kill9()


def _backlog(n: int) -> list[bytes]:
    kinds = [
        ("Request for quotation {i}", "please quote 500 pcs of HX-4L-FR4-1.6, lead time?"),
        ("PO {i} for HX boards", "Please find our purchase order PO-{i} for 200 pcs attached."),
        ("Delivery damaged {i}", "The boards of our last order arrived damaged, 30 pcs broken."),
        ("Anfrage {i}", "Bitte senden Sie uns ein Angebot für 300 Stück HX-2L, Lieferzeit?"),
        ("Solicitud {i}", "Por favor envíenos una cotización para 100 piezas, gracias."),
        ("询价 {i}", "您好，请报价 HX-4L 电路板 1000 片，交货期多久？谢谢"),
    ]
    out = []
    for i in range(n):
        subject, body = kinds[i % len(kinds)]
        out.append(
            mail(
                i,
                subject=subject.format(i=i),
                body=body.format(i=i),
                sender=f"buyer{i % 97}@customer{i % 31}.example",
                message_id=f"<old-{i}@backfill.test>",
            )
        )
    return out


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_backfill_with_live_mail_and_approvals(
    backend: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    dovecot: Dovecot,
    imap_user: str,
    daemons: Callable[[Path], DaemonProcess],
    model_cache: Path,
) -> None:
    db_url = (
        f"sqlite:///{tmp_path / 'backfill.db'}"
        if backend == "sqlite"
        else str(request.getfixturevalue("pg_url"))
    )
    week_ago = time.time() - 7 * 86400
    dovecot.seed_maildir(imap_user, _backlog(BACKLOG), received=week_ago)
    prime_store(tmp_path / "store", model_cache)
    config = write_config(tmp_path / "config.toml", dovecot, imap_user, db_url, tmp_path / "store")
    d = daemons(config)
    log = d.log
    engine = create_engine(db_url)

    def scalar(query: object) -> int:
        try:
            with engine.connect() as c:
                return int(c.scalar(query) or 0)  # type: ignore[call-overload]
        except Exception:  # schema not created yet
            return 0

    count = select(func.count()).select_from(m.Message)
    triaged = count.where(m.Message.status == "triaged")
    wait_until(lambda: scalar(count) >= 300, 90, "the backfill to start", log)

    # live mail arrives over LMTP (IDLE) while the backlog is captured and triaged, and a
    # salesperson approves drafts from another process (as the web UI does)
    smtp = dataclasses.replace(SmtpSettings(), from_address="sales@huaxin-pcb.com")
    app = open_app(make_settings(tmp_path, db_url, smtp=smtp), with_model=False)
    arrived: dict[str, float] = {}
    approved = 0
    for i in range(LIVE):
        mid = f"live-{i}@acmerobotics.com"
        raw = mail(1000 + i, message_id=f"<{mid}>", subject=f"Urgent RFQ {i}",
                   date=datetime.now(UTC))  # fmt: skip
        arrived[mid] = time.time()
        dovecot.deliver_lmtp(imap_user, raw)
        approved += _approve_one(app)
        time.sleep(0.2)

    live = select(m.Message.message_id, m.Message.triaged_at, m.Message.status).where(
        m.Message.message_id.in_(list(arrived))
    )

    def live_rows() -> list[tuple[str, datetime | None, str]]:
        with engine.connect() as c:
            return [(r[0], r[1], r[2]) for r in c.execute(live)]

    wait_until(
        lambda: sum(r[2] == "triaged" for r in live_rows()) == LIVE, 90, "the live mail", log
    )
    backlog_done = scalar(triaged) - LIVE
    rows = live_rows()
    for _ in range(5):
        approved += _approve_one(app)
    app.close()
    assert d.alive(), d.tail()
    assert d.terminate() == 0, d.tail()

    text = log.read_text(errors="replace")
    assert text.count("database is locked") == 0, text[-3000:]
    assert text.count("triage pass failed") == 0, text[-3000:]
    assert backlog_done < BACKLOG, "live mail must not wait for the whole backlog"
    waits = sorted(
        (_aware(t) - datetime.fromtimestamp(arrived[mid], UTC)).total_seconds()
        for mid, t, _s in rows
        if t is not None
    )
    print(  # the figures, for the report (pytest -s)
        f"\n{backend}: live arrival->triaged p50 {statistics.median(waits):.2f} s, "
        f"max {waits[-1]:.2f} s; backlog triaged meanwhile {backlog_done}/{BACKLOG}; "
        f"drafts approved {approved}"
    )
    assert approved > 0
    with engine.connect() as c:
        failed = c.scalar(select(func.count()).select_from(m.Quarantine))
    assert failed == 0
    engine.dispose()


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def _approve_one(app: App) -> int:
    """Edit and approve the oldest pending reply draft, as a salesperson in the web UI does
    (the edit fills the prices the draft leaves open); 0 if no draft is ready yet."""
    with app.sessions() as s:
        draft_id = s.scalar(
            select(m.Draft.id)
            .where(m.Draft.status == "pending", m.Draft.kind == "reply")
            .order_by(m.Draft.id)
            .limit(1)
        )
    if draft_id is None:
        return 0
    body = "Dear customer,\n\nthank you, our offer: USD 1.20 per piece.\n\nBest regards\nLily"
    drafts.edit_draft(app, draft_id, body, actor="lily@huaxin-pcb.com")
    drafts.approve(app, draft_id, "lily@huaxin-pcb.com")
    return 1
