"""Stored reasons, audit events, exports and people in the reader's language; the demo's one
clock; SLA pause/resume from the web (HTTP level; the browser walk is test_web_walk.py)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient
from support.webtools import FAST_HASHER, Site, build_site, csrf_of, login

from mailagent import demo
from mailagent.db import models as m
from mailagent.demo.clock import anchor_after, mail_anchor, running_from
from mailagent.reports.queries import Table
from mailagent.sla import service as slaservice
from mailagent.web import users as users_module
from mailagent.web.app import create_app
from mailagent.web.dashboard import localized
from mailagent.web.i18n import Catalogs
from mailagent.web.reasons import PATTERNS, audit_label, render_reason

CATALOGS = Catalogs()


def zh(msgid: str) -> str:
    return CATALOGS.gettext("zh", msgid)


def en(msgid: str) -> str:
    return CATALOGS.gettext("en", msgid)


@pytest.mark.parametrize(
    ("stored", "chinese"),
    [
        (
            "rule order.status: text contains 'awb' (vocab order_status/en)",
            "规则 order.status：正文包含 'awb'（词表 order_status/en）",
        ),
        ("model: order 0.47", "模型：订单 0.47"),
        ("confidence 0.40 below 0.55", "置信度 0.40 低于 0.55"),
        (
            "breached: due 2026-11-03 18:00 CST, overdue by 96h 00m",
            "超时：截止 2026-11-03 18:00 CST，已超时 96 小时 00 分",
        ),
        ("2025-10-01 not counted: National Day (CN)", "2025-10-01 不计入：国庆节（CN）"),
        (
            "phishing +3.0 fraud.lookalike_domain: sender a@acme.co: acme.co has the name of "
            "acme.com under another top-level domain",
            "钓鱼邮件 +3.0，规则 fraud.lookalike_domain：发件人 a@acme.co：acme.co 用其他顶级域名"
            "冒用 acme.com 的名字",
        ),
        (
            "30 older unanswered messages of the thread were not merged into this reply (only "
            "the 10 most recent are): #1 to #30; sending it marks them answered too / 此会话中",
            "此会话中 30 封较早的未回复邮件未合并到此回复（只合并最近 10 封）：#1 至 #30；"
            "发送此回复也会将它们标记为已回复",
        ),
        (
            "gave up after 5 attempts: SMTP mx:25 (starttls): 550 5.1.1 no such user",
            "尝试 5 次后放弃：SMTP mx:25 (starttls)：服务器回复 550 5.1.1 no such user",
        ),
    ],
)
def test_stored_reasons_are_rendered_in_chinese(stored: str, chinese: str) -> None:
    assert render_reason(stored, zh, "zh") == chinese
    assert render_reason(stored, en, "en") != chinese  # and in English for English readers


def test_unknown_sentences_stay_as_stored_and_every_pattern_has_both_translations() -> None:
    assert render_reason("something nobody wrote a pattern for", zh, "zh") == (
        "something nobody wrote a pattern for"
    )
    assert render_reason(None, zh, "zh") == ""
    assert audit_label("draft.created", zh) == "创建草稿"
    assert audit_label("no.such_event", zh) == "no.such_event"
    for _rx, msgid in PATTERNS:
        names = sorted(re.findall(r"%\((\w+)\)s", msgid))
        assert sorted(re.findall(r"%\((\w+)\)s", zh(msgid))) == names, msgid
        assert re.search(r"[\u4e00-\u9fff]", zh(msgid)), msgid
        assert en(msgid) == msgid


def test_exports_carry_headers_in_the_readers_language() -> None:
    table = Table(
        "unanswered-by-salesperson",
        "Unanswered",
        ("salesperson", "<4h", ">3d", "total", "oldest (h)"),
        (("lily.chen@huaxin-pcb.com", 1, 2, 3, 80.5),),
    )
    shown = localized(table, zh)
    assert shown.columns == ("业务员", "< 4 小时", "> 3 天", "合计", "最长等待（小时）")
    assert shown.rows == table.rows
    assert localized(table, en).columns[1] == "< 4 h"


def test_the_demo_clock_starts_a_week_after_the_newest_mail_and_runs_on() -> None:
    anchor = mail_anchor(sorted(demo.mail_dir().glob("*.eml")))
    assert anchor is not None and anchor.hour == 2 and anchor.tzinfo is not None
    assert anchor == anchor_after(datetime(2026, 11, 19, 13, 40, tzinfo=UTC))
    real = [datetime(2030, 1, 1, tzinfo=UTC)]
    clock = running_from(anchor, lambda: real[0])
    assert clock() == anchor
    real[0] += timedelta(minutes=5)
    assert clock() == anchor + timedelta(minutes=5)


@pytest.fixture
def lite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    monkeypatch.setattr(users_module, "_hasher", FAST_HASHER)
    s = build_site(tmp_path, f"sqlite:///{tmp_path / 'web.db'}")
    s.app.clock = lambda: datetime(2026, 11, 16, 3, 0, tzinfo=UTC)  # an hour after the mail
    slaservice.refresh_clocks(
        s.app, s.app.clock(), notify=False, since=datetime(2000, 1, 1, tzinfo=UTC)
    )
    yield s
    s.app.close()


def test_sla_pause_and_resume_from_the_message_page(lite: Site) -> None:
    web = TestClient(create_app(lite.app))
    login(web, "lily")  # Lily reads Chinese; the Müller order pauses while we wait
    pk = lite.ids["mueller"]
    page = web.get(f"/messages/{pk}").text
    assert 'name="action" value="pause"' in page
    token = csrf_of(page)
    done = web.post(
        f"/messages/{pk}/sla",
        data={"action": "pause", "note": "Gerber files", "csrf_token": token},
    ).text
    assert "SLA 计时已暂停" in done and "tag sla-paused" in done and 'value="resume"' in done
    assert re.search(
        r"起暂停：等待客户[^(]{0,30}\([^)]*Gerber files\)", done
    )  # the reason in Chinese
    web.post(f"/messages/{pk}/sla", data={"action": "resume", "csrf_token": token})
    with lite.app.sessions() as session:
        events = session.scalars(
            select(m.AuditEvent.action).where(m.AuditEvent.message_pk == pk)
        ).all()
    assert {"sla.wait", "sla.resume"} <= set(events)  # the events of `mailagent sla pause`
    assert 'value="pause"' in web.get(f"/messages/{pk}").text
    kevin = TestClient(create_app(lite.app))
    other = kevin.post(
        f"/messages/{pk}/sla", data={"action": "pause", "csrf_token": login(kevin, "kevin")}
    )
    assert other.status_code == 404  # Lily's customer: Kevin may not touch it


def test_people_by_name_with_the_address_on_hover_and_exports_in_chinese(lite: Site) -> None:
    web = TestClient(create_app(lite.app))
    login(web, "lily")  # Lily reads Chinese
    customer = web.get("/customers/MUELLER").text
    assert re.search(r'title="lily.chen@huaxin-pcb.com"[^>]*>Lily</span>', customer)
    web2 = TestClient(create_app(lite.app))
    login(web2, "grace")
    web2.post("/language", data={"lang": "zh", "csrf_token": csrf_of(web2.get("/inbox").text)})
    data = web2.get("/dashboard/export/unanswered-by-salesperson.csv").content.decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(data)))
    assert header[0] == "业务员" and "合计" in header
