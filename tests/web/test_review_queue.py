"""The needs-review queue end to end: the CLI's `messages list --needs-review` and
`messages reclassify`, the web inbox filter and badge (English and Chinese), the message
page's reasons, and a web re-classification taking the message off the queue and keeping
the correction (SQLite + PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from starlette.testclient import TestClient
from support.apptools import ROOT
from support.webtools import FAST_HASHER, Site, build_site, csrf_of, login

from mailagent.cli.mail import messages as messages_cli
from mailagent.cli.main import Obj
from mailagent.db import models as m
from mailagent.web import users as users_module
from mailagent.web.app import create_app

REASON = "inquiry 0.41 and payment 0.38 are closer than 0.10"


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users_module, "_hasher", FAST_HASHER)


@pytest.fixture
def site(tmp_path: Path, db_url: str) -> Iterator[Site]:
    s = build_site(tmp_path, db_url)
    with s.app.sessions() as session, session.begin():
        row = session.get(m.Message, s.ids["acme"])
        assert row is not None
        row.needs_review, row.review_reasons = True, [REASON]
        row.intent_secondary = "payment"
    yield s
    s.app.close()


def test_cli_lists_the_queue_and_reclassify_empties_it(
    tmp_path: Path, db_url: str, site: Site
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'rules_dir = "{ROOT / "rules"}"\n'
        f'[store]\nurl = "{db_url}"\ndir = "{tmp_path / "store"}"\n',
        encoding="utf-8",
    )
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(messages_cli, list(args), obj=Obj(str(config), 0))
        assert result.exit_code == 0, result.output
        return result.output

    pk = site.ids["acme"]
    queue = run("list", "--needs-review")
    assert f"{pk:>5}?" in queue and "RFQ: 500 pcs" in queue and REASON in queue
    assert "Bestellung 4500118999" not in queue  # a clear order: not in the queue
    assert f"{pk:>5}?" in run("list")  # the flag shows in the full list too
    shown = run("show", str(pk))
    assert f"Needs review: {REASON}" in shown and "secondary intent: payment" in shown
    done = run("reclassify", str(pk), "inquiry", "--as", "kevin")
    assert "kept as a correction" in done
    assert "RFQ: 500 pcs" not in run("list", "--needs-review")
    with site.app.sessions() as session:
        (kept,) = session.scalars(select(m.TriageCorrection)).all()
        assert (kept.message_pk, kept.label, kept.actor) == (pk, "inquiry", "kevin")


def test_inbox_filter_badge_and_web_reclassify(site: Site) -> None:
    web = TestClient(create_app(site.app))
    token = login(web, "grace")
    with site.app.sessions() as session:
        flagged = set(session.scalars(select(m.Message.id).where(m.Message.needs_review)))
    assert site.ids["acme"] in flagged and site.ids["mueller"] not in flagged
    everything = web.get("/messages").text  # the single messages: one badge each
    assert "Needs review only" in everything
    assert everything.count('class="tag review"') == len(flagged)
    queue = web.get("/messages?review=1").text
    for pk in site.ids.values():
        assert (f'href="/messages/{pk}"' in queue) == (pk in flagged)
    assert 'name="review" value="1" checked' in queue
    pk = site.ids["acme"]
    page = web.get(f"/messages/{pk}").text
    assert REASON in page and "Secondary intent" in page
    done = web.post(
        f"/messages/{pk}/reclassify",
        data={"intent": "inquiry", "csrf_token": token},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert "RFQ: 500 pcs" not in web.get("/messages?review=1").text
    assert "RFQ: 500 pcs" not in web.get("/inbox?review=1").text  # nor its conversation
    with site.app.sessions() as session:
        assert [c.label for c in session.scalars(select(m.TriageCorrection))] == ["inquiry"]


def test_inbox_filter_speaks_chinese(site: Site) -> None:
    web = TestClient(create_app(site.app))
    login(web, "lily")  # a Chinese-speaking user in the shared test users
    page = web.get("/inbox?review=1").text
    assert "只看待复核" in page  # the filter; Lily does not see ACME's mail, so no badge
    assert csrf_of(page)
