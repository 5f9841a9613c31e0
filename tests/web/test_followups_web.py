"""Web pages of the follow-up engine: local time on message/draft pages, send-later, the
payment ledger and its forms (scoped per salesperson), follow-ups and the greeting batch."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient
from support.webtools import FAST_HASHER, Site, build_site, login

from mailagent.db import models as m
from mailagent.drafts import service as drafting
from mailagent.drafts.prepare import prepare_for_message
from mailagent.followups.service import run_followups
from mailagent.web import users as users_module
from mailagent.web.app import create_app


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users_module, "_hasher", FAST_HASHER)


@pytest.fixture
def lite(tmp_path: Path) -> Iterator[Site]:
    s = build_site(tmp_path, f"sqlite:///{tmp_path / 'web.db'}")
    yield s
    s.app.close()


def test_local_time_and_send_later(lite: Site) -> None:
    # Friday 20 Nov 2026, 22:40 UTC = 17:40 in New York (Acme's archive time zone)
    lite.app.clock = lambda: datetime(2026, 11, 20, 22, 40, tzinfo=UTC)
    web = TestClient(create_app(lite.app))
    token = login(web, "kevin")
    page = web.get(f"/messages/{lite.ids['acme']}").text
    assert "Customer's local time" in page and "Fri 17:40 in New York, working hours" in page
    (draft_id,) = prepare_for_message(lite.app, lite.ids["acme"])
    page = web.get(f"/drafts/{draft_id}").text
    assert "Fri 17:40 in New York" in page and f"/drafts/{draft_id}/send-later" in page
    later = f"/drafts/{draft_id}/send-later"
    r = web.post(later, data={"csrf_token": token}, follow_redirects=True)
    assert "The draft was not approved: draft" in r.text and "placeholder" in r.text
    with lite.app.sessions() as s:  # the refused approval leaves no held row behind
        assert s.scalar(select(m.Outbox).where(m.Outbox.draft_id == draft_id)) is None
    body = drafting.get_draft(lite.app, draft_id).body
    priced = re.sub(r"\[\[[^\]]*\]\]", "USD 2.65", body)
    drafting.edit_draft(lite.app, draft_id, priced, None, actor="kevin")
    r = web.post(later, data={"csrf_token": token}, follow_redirects=True)
    assert "next business morning (2026-11-23 14:00 UTC)" in r.text
    with lite.app.sessions() as s:
        ob = s.scalar(select(m.Outbox).where(m.Outbox.draft_id == draft_id))
        assert ob is not None and ob.state == "queued"
        assert ob.not_before is not None
        assert ob.not_before.replace(tzinfo=UTC) == datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
    # Chinese for Lily, on her own customer's message
    web_zh = TestClient(create_app(lite.app))
    login(web_zh, "lily")
    page = web_zh.get(f"/messages/{lite.ids['mueller']}").text
    assert "客户当地时间" in page and "Berlin 周五 23:40，已下班" in page


def test_payment_ledger_forms_are_scoped(lite: Site) -> None:
    lite.app.clock = lambda: datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    grace = TestClient(create_app(lite.app))
    login(grace, "grace")
    page = grace.get("/payments").text
    assert "SO-2026-0068" in page and "SO-2026-0088" in page
    assert "Overdue by customer and age" in page and "Brightwell Controls Ltd" in page
    kevin = TestClient(create_app(lite.app))
    token = login(kevin, "kevin")
    page = kevin.get("/payments").text
    assert "SO-2026-0068" in page and "SO-2026-0088" not in page  # Müller is Lily's
    r = kevin.post(
        "/payments/record",
        data={
            "csrf_token": token,
            "order_no": "SO-2026-0068",
            "amount": "12380",
            "kind": "balance",
            "reference": "TT 991",
        },
        follow_redirects=True,
    )
    assert "Payment recorded for SO-2026-0068; outstanding 0.00." in r.text
    r = kevin.post(
        "/payments/record",
        data={"csrf_token": token, "order_no": "SO-2026-0088", "amount": "1"},
        follow_redirects=True,
    )
    assert "No such order: SO-2026-0088" in r.text
    r = kevin.post(
        "/payments/record",
        data={"csrf_token": token, "order_no": "SO-2026-0091", "amount": "abc"},
        follow_redirects=True,
    )
    assert "The payment was not recorded: amount &#39;abc&#39; is not a number" in r.text
    r = kevin.post(
        "/orders/update",
        data={
            "csrf_token": token,
            "order_no": "SO-2026-0091",
            "due_date": "2027-01-15",
            "pi_number": "PI-NEW",
        },
        follow_redirects=True,
    )
    assert "Order SO-2026-0091 updated." in r.text
    with lite.app.sessions() as s:
        o = s.scalar(select(m.Order).where(m.Order.order_no == "SO-2026-0068"))
        assert o is not None and o.paid_amount == Decimal("12380.00")
        o2 = s.scalar(select(m.Order).where(m.Order.order_no == "SO-2026-0091"))
        assert o2 is not None and (str(o2.due_date), o2.pi_number) == ("2027-01-15", "PI-NEW")
    assert (
        kevin.post("/payments/record", data={"order_no": "SO-2026-0068", "amount": "1"}).status_code
        == 403
    )


def test_followups_page_and_greeting_batch(lite: Site) -> None:
    now = datetime(2026, 12, 20, 2, 0, tzinfo=UTC)
    lite.app.clock = lambda: now
    greetings = run_followups(lite.app, now).greetings
    assert greetings
    web = TestClient(create_app(lite.app))
    token = login(web, "kevin")
    page = web.get("/followups").text
    assert "Greetings and holiday notices to approve" in page and "Season&#39;s greetings" in page
    with lite.app.sessions() as s:
        mine = [
            d.id
            for d in s.scalars(select(m.Draft).where(m.Draft.intent == "greeting"))
            if d.customer_id
            in set(
                s.scalars(
                    select(m.Customer.id).where(
                        m.Customer.salesperson == "kevin.wang@huaxin-pcb.com"
                    )
                )
            )
        ]
    assert mine
    r = web.post(
        "/followups/greetings/approve",
        data={"csrf_token": token, "draft": [str(i) for i in mine]},
        follow_redirects=True,
    )
    assert f"{len(mine)} greeting draft(s) approved." in r.text
    zh = TestClient(create_app(lite.app))
    login(zh, "lily")
    page = zh.get("/followups").text
    assert "待批准的节日问候和放假通知" in page and "客户即将放假" in page


def _prefs(site: Site, email: str) -> dict[str, object]:
    with site.app.sessions() as s:
        c = s.scalar(select(m.Contact).where(m.Contact.email == email))
        assert c is not None
        return dict(c.preferences or {})


def test_greeting_preferences_on_the_customer_page(lite: Site) -> None:
    petra = "p.schneider@mueller-elektronik.de"
    lily = TestClient(create_app(lite.app))  # Chinese UI, owns MUELLER
    token = login(lily, "lily")
    page = lily.get("/customers/MUELLER").text
    assert "问候偏好" in page and f'data-email="{petra}"' in page and "客户的语言" in page
    assert ">圣诞节</option>" in page  # occasion names in the reader's language
    form = {"csrf_token": token, "email": petra, "language": "en", "skip": ["christmas"]}
    done = lily.post("/customers/MUELLER/greetings", data=form)
    assert f"已保存 {petra} 的问候偏好。" in done.text and "不发问候" in done.text
    assert _prefs(lite, petra) == {
        "greetings": False,  # the checkbox was left empty
        "language": "en",
        "skip": ["christmas"],
        "occasions": [],
    }
    petra_form = done.text.split(f'data-email="{petra}"')[1].split("</form>")[0]
    assert '<option value="en" selected>' in petra_form
    assert re.search(r'<option value="christmas" selected>', petra_form)
    form = {"csrf_token": token, "email": petra, "greetings": "on", "language": ""}
    form["occasions"] = ["lunar_new_year"]
    lily.post("/customers/MUELLER/greetings", data=form)
    assert _prefs(lite, petra) == {"greetings": True, "skip": [], "occasions": ["lunar_new_year"]}
    bad = {**form, "occasions": ["no_such_day"]}
    r = lily.post("/customers/MUELLER/greetings", data=bad)
    assert "未能保存偏好：unknown occasion(s): no_such_day" in r.text

    kevin = TestClient(create_app(lite.app))  # does not own MUELLER
    token = login(kevin, "kevin")
    r = kevin.post("/customers/MUELLER/greetings", data={"csrf_token": token, "email": petra})
    assert r.status_code == 404
    assert _prefs(lite, petra)["greetings"] is True
    with lite.app.sessions() as s:
        audited = select(m.AuditEvent).where(m.AuditEvent.action == "contact.preferences")
        assert [a.actor for a in s.scalars(audited)] == ["lily.chen@huaxin-pcb.com"] * 2
