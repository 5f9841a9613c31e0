"""Conversations over HTTP: the inbox lists threads, filtered by their messages, with the
single-message list one click away; scope (a salesperson neither sees nor changes other customers'
threads), approving selected greeting drafts from the inbox, preview headers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient
from support.webtools import FAST_HASHER, Site, build_site, login

from mailagent.db import models as m
from mailagent.web import users as users_module
from mailagent.web.app import create_app


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    monkeypatch.setattr(users_module, "_hasher", FAST_HASHER)
    s = build_site(tmp_path, f"sqlite:///{tmp_path / 'web.db'}", users=("lily", "kevin", "grace"))
    yield s
    s.app.close()


TOM = "tom@acmerobotics.com"


def _thread(site: Site, name: str) -> int:
    with site.app.sessions() as session:
        tid = session.scalar(select(m.Message.thread_id).where(m.Message.id == site.ids[name]))
    assert tid is not None
    return int(tid)


def _greeting(site: Site, name: str) -> tuple[int, int]:
    """A pending greeting draft for the customer of mail ``name`` (and one for nobody's)."""
    now = datetime(2026, 12, 20, 1, 0, tzinfo=UTC)
    with site.app.sessions() as session, session.begin():
        customer_id = session.scalar(
            select(m.Message.customer_id).where(m.Message.id == site.ids[name])
        )
        ids = []
        for cid in (customer_id, None):
            d = m.Draft(
                customer_id=cid, intent="greeting", language="en", template="greeting",
                subject="Season's greetings", body="Dear Tom,\n\nMerry Christmas!\n\nKevin",
                from_addr="sales@huaxin-pcb.com", to_addrs=[{"name": "Tom", "email": TOM}],
                created_at=now, updated_at=now,
            )  # fmt: skip
            session.add(d)
            session.flush()
            ids.append(d.id)
    return ids[0], ids[1]


def test_scope_greetings_and_preview_headers(site: Site) -> None:
    kevin = TestClient(create_app(site.app))
    token = login(kevin, "kevin")
    acme, mueller = _thread(site, "acme"), _thread(site, "mueller")
    page = kevin.get("/inbox")
    assert f'data-id="{acme}"' in page.text and f'data-id="{mueller}"' not in page.text
    assert kevin.get(f"/conversations/{mueller}").status_code == 404
    # acting on a thread outside his scope changes nothing (it is not in the selection)
    kevin.post(
        "/conversations/act",
        data={"csrf_token": token, "action": "done", "thread": [str(mueller)]},
    )
    with site.app.sessions() as session:
        assert session.get(m.ThreadState, mueller) is None
    # approve selected greetings: his customer's is approved, nobody's is not his to approve
    mine, other = _greeting(site, "acme")
    assert "Season&#39;s greetings" in kevin.get("/inbox").text
    done = kevin.post(
        "/conversations/act",
        data={"csrf_token": token, "action": "approve", "draft": [str(mine)]},
    )
    assert "1 draft(s) approved." in done.text
    kevin.post(
        "/conversations/act",
        data={"csrf_token": token, "action": "approve", "draft": [str(other)]},
    )
    with site.app.sessions() as session:
        assert session.get(m.Draft, mine).status == "approved"  # type: ignore[union-attr]
        assert session.get(m.Draft, other).status == "pending"  # type: ignore[union-attr]
    # without the CSRF token nothing happens
    refused = kevin.post("/conversations/act", data={"action": "done", "thread": [str(acme)]})
    assert refused.status_code == 403
    # the HTML attachment gets no preview: it is never rendered, only downloaded
    assert kevin.get(f"/messages/{site.ids['acme']}/attachments/0/preview").status_code == 404


def test_inbox_lists_threads_filtered_by_their_messages(site: Site) -> None:
    grace = TestClient(create_app(site.app))
    login(grace, "grace")
    acme, mueller = _thread(site, "acme"), _thread(site, "mueller")
    with site.app.sessions() as session, session.begin():
        intents = {
            name: session.get(m.Message, pk).intent  # type: ignore[union-attr]
            for name, pk in site.ids.items()
        }
        session.get(m.Message, site.ids["mueller"]).needs_review = True  # type: ignore[union-attr]
    assert intents["acme"] != intents["mueller"], intents
    inbox = grace.get("/inbox").text
    assert f'data-id="{acme}"' in inbox and f'data-id="{mueller}"' in inbox
    assert 'href="/messages"' in inbox and 'href="/messages/' not in inbox.split("<tbody>")[1]
    # the single messages: one row per message, links to the message pages
    single = grace.get("/messages").text
    assert all(f'href="/messages/{pk}"' in single for pk in site.ids.values())
    # filters select threads by their messages, and the view links keep them
    by_intent = grace.get(f"/inbox?intent={intents['acme']}").text
    assert f'data-id="{acme}"' in by_intent and f'data-id="{mueller}"' not in by_intent
    assert f"intent={intents['acme']}&amp;view=mine" in by_intent
    review = grace.get("/inbox?review=1").text
    assert f'data-id="{mueller}"' in review and f'data-id="{acme}"' not in review
    assert f'data-id="{acme}"' in grace.get("/inbox?disposition=process").text
    assert "data-id=" not in grace.get("/inbox?disposition=filtered").text
    # the former address keeps working, query and all
    moved = grace.get("/conversations?view=mine&review=1", follow_redirects=False)
    assert (moved.status_code, moved.headers["location"]) == (303, "/inbox?view=mine&review=1")
