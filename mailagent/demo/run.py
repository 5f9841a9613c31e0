"""``mailagent demo``: load the bundled customer archive and demo mailbox into an embedded
SQLite store and print what mailagent made of every message.

It runs the same services as production (archive import, file ingest, triage, filing) on
the data shipped in ``mailagent/demo``; re-running it is idempotent.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import mailagent
from mailagent import demo
from mailagent.app import App
from mailagent.capture.importer import import_path
from mailagent.config import DraftSettings, SalespersonSettings, Settings
from mailagent.customers.archive import ImportReport, import_archive
from mailagent.demo.clock import install_demo_clock, mail_anchor
from mailagent.demo.lines import draft_lines, sla_lines
from mailagent.messages.listing import MessageFilter, list_messages
from mailagent.messages.service import list_quarantine, message_detail, store_summary

__all__ = ["demo_settings", "import_demo_archive", "run_demo"]

DEMO_DOMAIN = "huaxin-pcb.com"
_FLAGS = {
    "no_reply": " [no reply: machine-generated]",
    "filtered": " [not customer mail: never drafted]",
    "hold": " [FRAUD WARNING: held for a supervisor]",
}
_REPO = Path(mailagent.__file__).resolve().parent.parent


def _data_dir(configured: str, name: str) -> str:
    return configured if Path(configured).is_dir() else str(_REPO / name)


def demo_settings(base: Settings, store_dir: str, sink_port: int = 0) -> Settings:
    """The demo's settings: an own SQLite store and the demo company's team settings.

    Outgoing mail goes to the demo's local sink (``sink_port`` on 127.0.0.1), never to the
    configured server; without a sink port it goes nowhere (a closed loopback port)."""
    store = dataclasses.replace(
        base.store, url=f"sqlite:///{Path(store_dir) / 'mailagent.db'}", url_env="", dir=store_dir
    )
    team = dataclasses.replace(
        base.team,
        own_domains=[DEMO_DOMAIN],
        quality_address=f"quality@{DEMO_DOMAIN}",
        supervisor_addresses=[f"grace.liu@{DEMO_DOMAIN}"],
    )
    translation = dataclasses.replace(base.translation, models_dir=str(Path(store_dir) / "models"))
    return dataclasses.replace(
        base,
        store=store,
        team=team,
        translation=translation,
        drafts=demo_draft_settings(base.drafts, demo.archive_dir()),
        smtp=dataclasses.replace(
            base.smtp,
            from_address=f"sales@{DEMO_DOMAIN}",
            host="127.0.0.1",
            port=sink_port or 9,  # the discard port: refused, never sent anywhere
            security="plain",
            username="",
        ),
        imap=dataclasses.replace(base.imap, mailboxes=[]),  # no real mailbox in the demo
        rules_dir=_data_dir(base.rules_dir, "rules"),
        templates_dir=_data_dir(base.templates_dir, "templates"),
    )


def import_demo_archive(app: App) -> ImportReport:
    """Import the demo's customers, contacts and orders into ``app``'s store."""
    archive = demo.archive_dir()
    return import_archive(
        app.sessions,
        customers=archive / "customers.csv",
        contacts=archive / "contacts.csv",
        orders=archive / "orders.csv",
    )


def run_demo(app: App) -> str:
    """Import the demo archive and mailbox; return the report to print."""
    out: list[str] = []
    report = import_demo_archive(app)
    out.append(f"customer archive: {report}")
    # one "now" for the import, the report, the clocks, the follow-ups and the web UI
    anchor = install_demo_clock(app, mail_anchor(sorted(demo.mail_dir().glob("*.eml"))))
    imported = import_path(app, demo.mail_dir(), mailbox="demo")
    out.append(f"demo mailbox: {imported.describe()}")
    if anchor is not None:
        out.append(f"demo clock: starts at {anchor:%Y-%m-%d %H:%M} UTC and runs in real time")
    out.append("")
    out.append(f"{'id':>4}  {'received':<16} {'intent':<9} {'lang':<7} {'customer':<26} subject")
    for s in reversed(list_messages(app, MessageFilter(per_page=1000))):
        flag = _FLAGS.get(s.disposition, "")
        flag += " [needs review]" if s.needs_review else ""
        flag += f" [+{s.intent_secondary}]" if s.intent_secondary else ""
        out.append(
            f"{s.id:>4}  {s.received_at:%Y-%m-%d %H:%M} {(s.intent or '-'):<9} "
            f"{(s.language or '-'):<7} {(s.customer_name or '-')[:26]:<26} {s.subject[:58]}{flag}"
        )
    summary = store_summary(app)
    out.append("")
    out.append(
        f"{summary.messages} messages in {summary.threads} threads; "
        f"{summary.customers} customers, {summary.prospects} new prospects; "
        f"{summary.attachments} attachments; {summary.no_reply} machine-generated; "
        f"{summary.quarantined} quarantined"
    )
    out.append("by intent:   " + _fmt(summary.by_intent))
    out.append("by language: " + _fmt(summary.by_language))
    out.append("filed by:    " + _fmt(summary.by_link_method))
    for q in list_quarantine(app):
        out.append(f"quarantined #{q.id}: {q.origin}: {q.reason}")
    out += review_lines(app)
    out += _why_examples(app)
    from mailagent.messages.relevance import demo_lines as gate_demo_lines

    out += gate_demo_lines(app)
    out += sla_lines(app)
    out += draft_lines(app)
    from mailagent.followups.demo import demo_lines as followup_demo_lines

    out += followup_demo_lines(app)
    from mailagent.demo.translation import translation_lines

    out += translation_lines(app)
    from mailagent.demo.searchlines import search_lines

    out += search_lines(app)
    db = app.engine.url.render_as_string(hide_password=True)
    out.append("")
    out.append(f"store: {db} (raw mail and attachments under {app.settings.store.dir})")
    return "\n".join(out)


def review_lines(app: App) -> list[str]:
    """The needs-review queue: how many, and why for the first few."""
    queue = list_messages(app, MessageFilter(needs_review=True, per_page=1000))
    out = ["", f"needs review: {len(queue)} message(s) (mailagent messages list --needs-review)"]
    for s in queue[:3]:
        out.append(f"  #{s.id} {s.subject[:60]!r} -> {s.intent}: {'; '.join(s.review_reasons)}")
    return out


def _fmt(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))


def _why_examples(app: App) -> list[str]:
    """Show the recorded reasons of one message per intent."""
    out = ["", "why (one message per intent):"]
    seen: set[str] = set()
    for s in reversed(list_messages(app, MessageFilter(per_page=1000))):
        if not s.intent or s.intent in seen or s.disposition == "no_reply":
            continue
        seen.add(s.intent)
        d = message_detail(app, s.id)
        out.append(f"  #{s.id} {s.subject[:60]!r} -> {s.intent} ({d.intent_decided_by})")
        out += [f"      {r}" for r in d.intent_reasons[:3]]
        out.append(f"      filed: {d.customer or '-'} / {d.order_no or '-'} via {d.link_method}")
        out += [f"      {r}" for r in d.link_reasons[:2]]
    return out


def demo_draft_settings(base: DraftSettings, archive_dir: Path) -> DraftSettings:
    """Draft settings of the demo company (price list from the demo archive)."""
    return dataclasses.replace(
        base,
        pricelist_path=str(archive_dir / "pricelist.csv"),
        reference_prefix="HX",
        company_name="Shenzhen Huaxin Circuit Technology Co., Ltd.",
        company_address="Bao'an District, Shenzhen, Guangdong, China",
        company_website="www.huaxin-pcb.com",
        salespeople=[
            SalespersonSettings(
                email="lily.chen@huaxin-pcb.com",
                name="Lily Chen",
                name_local="陈莉",
                title="Senior Sales Manager",
            ),
            SalespersonSettings(
                email="kevin.wang@huaxin-pcb.com", name="Kevin Wang", title="Sales Engineer"
            ),
        ],
    )
