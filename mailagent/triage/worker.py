"""Use case: triage stored messages (language, intent, filing, translation queue, drafts).

The ingest spine only captures: raw bytes, parse, store, thread, UID state, all committed
together (``status = "new"``). Triage is the second stage and runs on committed rows, so
a slow or failing triage never holds up or loses captured mail:

* the daemon's triage worker calls :func:`triage_pending` whenever the mailbox workers
  stored something (and every few seconds, for rows stored by other daemons); on
  PostgreSQL several daemons claim disjoint rows (``FOR UPDATE SKIP LOCKED``);
* imports, the demo and reprocessing call :func:`triage_messages` right after storing, so
  their messages come back fully triaged.

A claim is triaged inside one savepoint, with one write per row and no per-message
savepoints. If anything raises, the claim's savepoint rolls back and its rows are triaged
again each in its own savepoint: the message that fails again is kept with ``status =
"triage_failed"`` and a quarantine entry (stage ``triage``, with the reason and traceback)
that ``mailagent reprocess ID`` retries, and a drafting failure is audited (``draft.error``)
with the message triaged and kept without drafts.
"""

from __future__ import annotations

import dataclasses
import logging
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy.orm import Session

from mailagent.app import App
from mailagent.context import Context
from mailagent.customers.keys import parent_domains
from mailagent.db import models as m
from mailagent.db import queries as q
from mailagent.db import relevance_rows as gr
from mailagent.db import triage_rows as tr
from mailagent.db.dircache import CachedDirectory
from mailagent.db.directory import SqlDirectory, create_prospect
from mailagent.db.history import from_imap, history_cutoff
from mailagent.db.relations import SqlRelations
from mailagent.drafts.prepare import draft_env, price_list_for, templates_for
from mailagent.drafts.service import prepare_drafts
from mailagent.logs import message_fields
from mailagent.records import InboundMail, TranslationStatus, Triage
from mailagent.triage import pipeline
from mailagent.triage.gate_inputs import with_archive_payloads
from mailagent.triage.rules.relevance import load_gate_rules
from mailagent.triage.stages import platform
from mailagent.triage.stages.language.detect import detect as language_detect

__all__ = ["TriageOutcome", "triage_messages", "triage_pending", "warm_up"]

log = logging.getLogger(__name__)
audit = logging.getLogger("mailagent.audit")

CLAIM_SIZE = 100  # rows per transaction: one commit per claim keeps locks short


class Flag(Protocol):
    """A stop flag: ``threading.Event`` or a ``multiprocessing`` one."""

    def is_set(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class TriageOutcome:
    message_pk: int
    ok: bool
    quarantine_id: int | None = None
    reason: str = ""


def warm_up(app: App) -> float:
    """Load what the first triaged message would otherwise wait for; returns the seconds.

    The language profiles (seconds to read), the intent model's first prediction, the gate
    and draft rules, and every reply template compiled: the daemon's triage worker calls
    this before it reports ready, so the first live mail is not the one that pays.
    """
    started = time.perf_counter()
    for text in _WARM_TEXTS:
        language_detect(text)
    if app.model is not None:
        app.model.predict_text("Quotation request", _WARM_TEXTS[0])
    load_gate_rules(Path(app.settings.rules_dir))
    draft_env(app.settings)
    price_list_for(app.settings)
    env = templates_for(app.settings).env
    for name in env.list_templates(filter_func=lambda n: n.endswith(".j2")):
        env.get_template(name)
    return time.perf_counter() - started


_WARM_TEXTS = (
    "Please send us your best price for 500 pcs and the lead time.",
    "Bitte senden Sie uns Ihr Angebot für 500 Stück.",
    "Пожалуйста, пришлите цену на 500 штук.",
    "请报价",
)


def triage_pending(
    app: App,
    limit: int | None = None,
    claim_size: int = CLAIM_SIZE,
    stop: Flag | None = None,
    *,
    live_since: datetime | None = None,
    on_claim: Callable[[int], None] | None = None,
    claim_seconds: float | None = None,
) -> int:
    """Triage ``new`` messages, oldest first, until none are left (or ``limit`` were done,
    or ``stop`` is set: it is checked between claims). Returns how many were handled
    (triaged, or failed into quarantine).

    With ``live_since`` every claim first takes mail that arrived since then, newest first,
    and only then the oldest of the backlog, so live mail waits for at most one backlog
    claim. ``on_claim(n)`` is called after each committed claim (the daemon resets its
    back-off there). With ``claim_seconds`` a claim commits once that much time went into
    it (after at least one message): the rows not reached stay ``new`` for the next claim,
    so the write lock (SQLite) or the row locks are held that long at most whatever one
    message costs, and live mail waits for at most that.
    """
    done = 0
    started = time.perf_counter()
    while (limit is None or done < limit) and not (stop is not None and stop.is_set()):
        size = claim_size if limit is None else min(claim_size, limit - done)
        with app.sessions() as session, session.begin():
            rows = tr.claim_new(session, size, live_since=live_since) if live_since else []
            rows = rows or tr.claim_new(session, size)
            if not rows:
                break
            handled = len(_triage_rows(app, session, rows, claim_seconds))
        done += handled
        if on_claim is not None:
            on_claim(handled)
    if done:
        elapsed = time.perf_counter() - started
        log.info("triaged %d message(s) in %.2f s", done, elapsed)
    return done


def triage_messages(app: App, message_pks: Sequence[int]) -> list[TriageOutcome]:
    """Triage exactly these stored messages (those still ``new``); one outcome each."""
    outcomes: list[TriageOutcome] = []
    pks = list(message_pks)
    for start in range(0, len(pks), CLAIM_SIZE):
        chunk = pks[start : start + CLAIM_SIZE]
        with app.sessions() as session, session.begin():
            rows = tr.claim_new(session, len(chunk), ids=chunk)
            outcomes.extend(_triage_rows(app, session, rows))
    return outcomes


def _triage_rows(
    app: App, session: Session, rows: list[m.Message], budget: float | None = None
) -> list[TriageOutcome]:
    """Triage a claim: first all of it inside one savepoint (no savepoint, no drafts query
    per message); if any message raises, that savepoint rolls back and the rows are triaged
    again one by one, each in its own savepoint (quarantined if it fails again), so the
    outcome is what per-message savepoints alone would have given: with a time box
    (``budget``) the rows it had reached, without one all of them."""
    started = time.perf_counter()
    ctx = app.context()
    cutoff = history_cutoff(session, app.settings.imap.history_days)
    sql_directory = SqlDirectory(session)
    directory = CachedDirectory(sql_directory)
    _preload(sql_directory, directory, rows)
    relations = SqlRelations(session)
    # one query; held here because the session's identity map only keeps weak references
    threads = tr.load_threads(session, rows)
    drafted = tr.drafted_pks(session, rows)
    reached: list[m.Message] = []
    try:
        with session.begin_nested():
            for row in rows:
                if reached and budget is not None and time.perf_counter() - started > budget:
                    break  # the rest stays new: the next claim takes it (after the live lane)
                reached.append(row)
                _triage_one(app, session, row, ctx, directory, relations, cutoff, drafted=drafted)
        outcomes = [TriageOutcome(row.id, ok=True) for row in reached]
    except Exception as exc:  # redo the claim's rows, isolating each one
        # With a time box the rows after the failing one stay new for the next claim (the
        # daemon's loop takes them); without one (``triage_messages``: exactly these rows)
        # they are triaged here too, or they would be left new with no claim to come.
        todo = reached if budget is not None else rows
        log.info("claim of %d: %s; triaging one by one", len(todo), type(exc).__name__)
        directory.clear()  # the savepoint rolled back writes the memos had seen
        relations.clear()
        outcomes = [_guarded(app, session, row, ctx, directory, relations, cutoff) for row in todo]
    del threads
    log.debug("directory memo: %d hits, %d misses", directory.hits, directory.misses)
    return outcomes


def _preload(sql: SqlDirectory, directory: CachedDirectory, rows: list[m.Message]) -> None:
    """Every address of the claim's rows looked up at once (contacts, their customers, the
    domains): three queries per claim instead of one to three per message. Filing reads the
    counterparty (the sender, or an outside recipient of our own mail); the rest go unused."""
    emails = {row.from_email for row in rows if row.from_email}
    for row in rows:
        emails.update(a.get("email", "") for a in (*(row.to_addrs or []), *(row.cc_addrs or [])))
    emails = {e.strip().lower() for e in emails if "@" in e}
    if emails:
        domains = {e.rpartition("@")[2] for e in emails}
        contacts = sql.contacts_by_emails(sorted(emails))
        owners = {hit.customer_id for hits in contacts.values() for hit in hits}
        directory.preload(
            contacts,
            sql.customers_by_domains(sorted({d for x in domains for d in parent_domains(x)})),
            sql.customers(sorted(owners)) if owners else None,
        )


def _guarded(
    app: App,
    session: Session,
    row: m.Message,
    ctx: Context,
    directory: CachedDirectory,
    relations: SqlRelations,
    cutoff: datetime | None,
) -> TriageOutcome:
    pk, message_id = row.id, row.message_id
    try:
        with session.begin_nested():
            _triage_one(app, session, row, ctx, directory, relations, cutoff)
        return TriageOutcome(pk, ok=True)
    except Exception as exc:  # one message's failure must not stop the others
        log.exception(
            "%s: triage failed; message kept, entry quarantined",
            message_id,
            extra=message_fields(message_id),
        )
        directory.clear()  # the savepoint may have rolled back writes the memo had seen
        relations.clear()
        reason = f"triage failed: {type(exc).__name__}: {exc}"
        with session.begin_nested():
            row.status = tr.TRIAGE_FAILED
            entry = q.quarantine(
                session,
                raw_sha256=row.raw_sha256,
                raw_size=row.raw_size,
                origin=row.origin,
                reason=reason[:2000],
                detail=traceback.format_exc(),
                now=app.clock(),
                stage="triage",
                message_pk=pk,
            )
        audit.warning("%s triage quarantined: %s", message_id, reason)
        return TriageOutcome(pk, ok=False, quarantine_id=entry.id, reason=reason)


def platform_reasons(triage: Triage, unwrapped: platform.Unwrapped) -> Triage:
    """Record the unwrap in the filing reasons (and why no prospect without an address)."""
    if triage.link is None:
        return triage
    extra = [unwrapped.reason]
    if not unwrapped.has_address and triage.link.customer_id is None:
        extra.append("no prospect created: the platform gave no buyer address")
    link = dataclasses.replace(triage.link, reasons=(*extra, *triage.link.reasons))
    return dataclasses.replace(triage, link=link)


def _triage_one(
    app: App,
    session: Session,
    row: m.Message,
    ctx: Context,
    directory: CachedDirectory,
    relations: SqlRelations,
    cutoff: datetime | None,
    *,
    drafted: set[int] | None = None,
) -> None:
    """One message. With ``drafted`` (the claim's rows that already had drafts) it runs in
    the claim's savepoint: drafting is not isolated and a failure propagates."""
    now = app.clock()
    mail = with_archive_payloads(tr.mail_from_row(row), app.blobs)
    env = pipeline.TriageEnv(
        ctx=ctx,
        directory=directory,
        ruleset=app.ruleset,
        model=app.model,
        thread=tr.thread_context(session, row),
        gate=load_gate_rules(Path(app.settings.rules_dir)),
        relations=relations,
        received_at=q.aware(row.received_at) if from_imap(row.origin) else None,
        history_cutoff=cutoff,
    )
    unwrapped = platform.unwrap(mail, app.ruleset.platforms)
    if unwrapped is not None:  # a marketplace notification: the buyer's inquiry inside
        mail = unwrapped.mail
    triage = gr.with_corrections(row, pipeline.run(mail, env))
    if unwrapped is not None:
        triage = platform_reasons(triage, unwrapped)
    customer_id = triage.link.customer_id if triage.link else None
    if tr.is_prospect_inquiry(triage) and (unwrapped is None or unwrapped.has_address):
        customer_id = create_prospect(session, mail, now, free_mail_domains=ctx.free_mail_domains)
        party = mail.from_ or mail.sender
        if party is not None:
            directory.prospect_added(party.email, party.domain)
        else:
            directory.clear()
    tr.apply_triage(row, triage, customer_id, now)
    gr.store_gate(row, triage)
    _file_thread(session, row, mail)
    lang = row.language or "unknown"
    if (
        app.settings.translation.enabled
        and row.direction == "inbound"
        and lang not in ("unknown", "other")  # who needs which translation: per reader, later
        and row.new_text.strip()
        and row.translation_status == TranslationStatus.NONE
    ):
        row.translation_status = TranslationStatus.PENDING
    session.flush()
    if drafted is None:  # never raises: failures are audited, mail is kept
        prepare_drafts(session, app, row, directory=directory)
    else:
        prepare_drafts(
            session, app, row, isolate=False, has_drafts=row.id in drafted, directory=directory
        )


def _file_thread(session: Session, row: m.Message, mail: InboundMail) -> None:
    """Give the thread its customer; join an older same-subject thread of that customer."""
    thread = session.get(m.Thread, row.thread_id) if row.thread_id else None
    if thread is None or row.customer_id is None:
        return
    if thread.customer_id is None:
        thread.customer_id = row.customer_id
    if row.thread_method != "new":
        return
    found = q.subject_thread(
        session,
        mail,
        row.customer_id,
        q.aware(row.received_at),
        exclude=thread.id,
    )
    if found is not None:
        tr.merge_thread(session, thread.id, found.thread_id)
        row.thread_method = "subject"
        log.debug("%s joined thread %d by subject", row.message_id, found.thread_id)
