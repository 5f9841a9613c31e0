"""Platform inquiry notifications: the buyer's message inside is classified and filed to the
buyer (real mail through ingest and triage, SQLite + PostgreSQL), and platforms.toml is
validated with errors that name the file, platform and field."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from support.apptools import ROOT, mail, make_app

from mailagent.app import App
from mailagent.capture.ingest import ingest_raw
from mailagent.db import models as m
from mailagent.errors import RulesError
from mailagent.triage.rules.ruleset import load_rules
from mailagent.triage.stages.platform import load_platforms

ALIBABA = """Dear Supplier,
You have received a new inquiry on Alibaba.com.
Buyer: Carlos Mendes
Company: Solaris Iluminação Ltda
Email: carlos.mendes@solaris-ilum.com.br
Country/Region: Brazil
Product: Aluminium LED PCB
Quantity: 20000 Pieces
----- Message -----
Hello, we are looking for a supplier of aluminium boards for LED street lights.
Could you send your best price for 20,000 pcs, 1.6 mm, 2 W/mK, and the lead time?
----------
Reply to this inquiry on Alibaba.com within 24 hours to improve your response rate.
"""

MADE_IN_CHINA = """Hello,
A buyer has sent you an inquiry through Made-in-China.com.
From: Piotr Nowak (Elektro-Serwis Sp. z o.o.)
Country: Poland
Content:
Dzień dobry, prosimy o ofertę na 5000 sztuk płytek 4-warstwowych oraz informację o terminie dostawy.
Please log in to your Message Center to reply. Do not reply to this e-mail.
"""


@pytest.fixture
def app(tmp_path: Path, db_url: str) -> Iterator[App]:
    a = make_app(tmp_path, db_url)
    yield a
    a.close()


def _triaged(app: App, raw: bytes) -> m.Message:
    (result,) = ingest_raw(app, [(raw, "platform")])
    with app.sessions() as s:
        row = s.get(m.Message, result.message_pk)
        assert row is not None
        s.expunge(row)
        return row


def test_alibaba_inquiry_is_the_buyers_and_filed_to_the_buyer(app: App) -> None:
    raw = mail(
        1,
        subject="New inquiry from Carlos Mendes via Alibaba.com",
        body=ALIBABA,
        sender="Alibaba.com <notice@service.alibaba.com>",
    )
    row = _triaged(app, raw)
    assert row.intent == "inquiry"
    assert row.link_method == "prospect"
    assert row.link_reasons[0].startswith(
        "platform inquiry via Alibaba.com from Carlos Mendes (Solaris Iluminação Ltda) Brazil "
        "<carlos.mendes@solaris-ilum.com.br>"
    )
    with app.sessions() as s:
        customer = s.get(m.Customer, row.customer_id)
        assert customer is not None and customer.status == "prospect"
        contacts = s.scalars(select(m.Contact).where(m.Contact.customer_id == customer.id))
        assert [c.email for c in contacts] == ["carlos.mendes@solaris-ilum.com.br"]
        domains = s.scalars(select(m.CustomerDomain.domain)).all()
        assert "alibaba.com" not in domains and "service.alibaba.com" not in domains


def test_made_in_china_without_buyer_address_is_classified_but_not_a_prospect(app: App) -> None:
    raw = mail(
        2,
        subject="Made-in-China.com: You have a new inquiry",
        body=MADE_IN_CHINA,
        sender="Made-in-China.com <inquiry@made-in-china.com>",
    )
    row = _triaged(app, raw)
    assert row.intent == "inquiry"
    assert row.customer_id is None, (row.link_method, row.link_reasons)
    assert "no buyer address" in row.link_reasons[0]
    assert "no prospect created: the platform gave no buyer address" in row.link_reasons
    with app.sessions() as s:
        assert s.scalars(select(m.Customer)).all() == []


def test_ordinary_mail_is_not_unwrapped(app: App) -> None:
    row = _triaged(app, mail(3))
    assert not any("platform inquiry" in r for r in row.link_reasons)


def test_shipped_platforms_load() -> None:
    names = [p.name for p in load_rules(ROOT / "rules").platforms]
    assert names == ["Alibaba.com", "Made-in-China.com", "Global Sources"]


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ('name = "X"\ndomains = ["x.com"]\n', 'platform "X": message: required'),
        (
            'name = "X"\ndomains = ["x.com"]\nmessage = \'(\'\n',
            'platform "X": message: invalid regex',
        ),
        (
            'name = "X"\ndomains = ["x.com"]\nmessage = \'body: (.+)\'\n',
            "must be a regex with a (?P<message>...) group",
        ),
        (
            "name = \"X\"\ndomains = []\nmessage = '(?P<message>.+)'\n",
            'platform "X": domains: must be',
        ),
        (
            'name = "X"\ndomains = ["x.com"]\nmessage = \'(?P<message>.+)\'\nfax = "1"\n',
            'platform "X": fax: unknown key',
        ),
    ],
)
def test_bad_platform_names_file_platform_and_field(
    tmp_path: Path, entry: str, problem: str
) -> None:
    (tmp_path / "platforms.toml").write_text(f"[[platform]]\n{entry}", encoding="utf-8")
    problems: list[str] = []
    assert load_platforms(tmp_path, problems) == ()
    assert len(problems) == 1 and problems[0].startswith(str(tmp_path / "platforms.toml"))
    assert problem in problems[0]
    for name in ("classify.toml", "vocabulary.toml"):
        (tmp_path / name).write_bytes((ROOT / "rules" / name).read_bytes())
    with pytest.raises(RulesError, match=r"platforms\.toml"):
        load_rules(tmp_path)
