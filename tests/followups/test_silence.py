"""Silence decisions over frozen clocks: the customer's business days, replies, OOO, tries."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from mailagent.followups.rules import load_followup_rules
from mailagent.followups.silence import ThreadFacts, ThreadMessage, decide, return_date

ROOT = Path(__file__).resolve().parents[2]
RULES = load_followup_rules(ROOT / "rules")
# our quotation leaves on Thursday 17 Dec 2026, 10:00 UTC (11:00 in Munich)
SENT = datetime(2026, 12, 17, 10, 0, tzinfo=UTC)
QUOTE = ThreadMessage(
    "q1@huaxin-pcb.com",
    SENT,
    outbound=True,
    from_customer=False,
    text="Dear Tom,\nplease find our quotation below.\nHX-4L x 500 pcs: USD 1,325.00\n",
)


def facts(
    *extra: ThreadMessage, country: str = "DE", zone: str = "Europe/Berlin", **kw: object
) -> ThreadFacts:
    return ThreadFacts(1, 7, country, zone, (QUOTE, *extra), **kw)  # type: ignore[arg-type]


def at(day: int, month: int = 12, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


def test_quote_waits_three_german_business_days_over_christmas() -> None:
    # Fri 18, Mon 21, Tue 22 -> due on Tue 22 (weekend skipped)
    d = decide(facts(), RULES, at(21))
    assert (d.state, d.pending, d.rule_id, d.due_on) == (
        "waiting",
        "quote",
        "silence.quote",
        date(2026, 12, 22),
    )
    assert decide(facts(), RULES, at(22)).state == "due"
    assert d.items == ("HX-4L x 500 pcs: USD 1,325.00",)  # the priced line is what is open
    assert "3 business day(s) of DE after 2026-12-17 is 2026-12-22" in d.reasons


def test_second_try_is_spaced_over_the_holidays() -> None:
    # first follow-up drafted Tue 22 Dec; 5 German business days: 23, 24, 28, 29, 30
    f = facts(tries=(at(22),))
    d = decide(f, RULES, at(29))
    assert (d.state, d.try_no, d.due_on) == ("waiting", 2, date(2026, 12, 30))
    assert decide(f, RULES, at(30)).state == "due"


def test_max_tries_then_exhausted() -> None:
    d = decide(facts(tries=(at(22), at(30), at(8, 1))), RULES, at(20, 1))
    assert d.state == "exhausted"


@pytest.mark.parametrize(
    ("country", "zone", "sent", "due"),
    [
        (
            "CN",
            "Asia/Shanghai",
            datetime(2026, 9, 29, 2, tzinfo=UTC),
            date(2026, 10, 9),
        ),  # 30 Sep, 8, 9 Oct
        (
            "US",
            "America/New_York",
            datetime(2026, 11, 24, 15, tzinfo=UTC),
            date(2026, 11, 30),
        ),  # Thanksgiving
        (
            "BR",
            "America/Sao_Paulo",
            datetime(2026, 11, 18, 15, tzinfo=UTC),
            date(2026, 11, 24),
        ),  # 20 Nov
        (
            "AE",
            "Asia/Dubai",
            datetime(2026, 3, 17, 6, tzinfo=UTC),
            date(2026, 3, 24),
        ),  # Eid al-Fitr
    ],
)
def test_due_date_follows_the_customers_country(
    country: str, zone: str, sent: datetime, due: date
) -> None:
    f = dataclasses.replace(
        facts(country=country, zone=zone), messages=(dataclasses.replace(QUOTE, at=sent),)
    )
    assert decide(f, RULES, sent).due_on == due


def test_reply_from_a_colleague_at_the_customer_stops_it() -> None:
    colleague = ThreadMessage("r1@acme.com", at(21), outbound=False, from_customer=True)
    d = decide(facts(colleague), RULES, at(23))
    assert d.state == "stopped" and "the customer replied (r1@acme.com" in d.reasons[0]


def test_auto_replies_bounces_and_strangers_do_not_count() -> None:
    bounce = ThreadMessage("b@mx", at(18), outbound=False, from_customer=True, auto_reply="bounce")
    stranger = ThreadMessage("s@other.com", at(18), outbound=False, from_customer=False)
    assert decide(facts(bounce, stranger), RULES, at(22)).state == "due"


def test_out_of_office_pauses_until_they_are_back() -> None:
    ooo = ThreadMessage(
        "ooo@acme.com",
        at(17, hour=11),
        outbound=False,
        from_customer=True,
        auto_reply="auto_reply",
        text="Thank you for your mail. I am out of the office until 4 January 2027.",
    )
    d = decide(facts(ooo), RULES, at(28))
    assert (d.state, d.due_on) == ("paused", date(2027, 1, 4))
    # back on Mon 4 Jan: counted from then -> 4, 5, 6 January
    d = decide(facts(ooo), RULES, at(5, 1).replace(year=2027))
    assert (d.state, d.due_on) == ("waiting", date(2027, 1, 6))


def test_stop_conditions_from_the_rules() -> None:
    assert decide(facts(order_since=True), RULES, at(22)).state == "stopped"
    assert decide(facts(rejected=True), RULES, at(22)).state == "stopped"


def test_followups_are_never_the_anchor_and_plain_answers_wait_for_nothing() -> None:
    ours = ThreadMessage(
        "f1", at(22), outbound=True, from_customer=False, text="Any news?", is_followup=True
    )
    assert decide(facts(ours), RULES, at(22)).anchor == QUOTE.key
    thanks = ThreadMessage("t", SENT, outbound=True, from_customer=False, text="Thank you, noted.")
    assert decide(dataclasses.replace(facts(), messages=(thanks,)), RULES, at(28)).state == "none"
    question = dataclasses.replace(thanks, text="Which solder mask colour do you need?\nRegards")
    d = decide(dataclasses.replace(facts(), messages=(question,)), RULES, at(28))
    assert (d.pending, d.items) == ("question", ("Which solder mask colour do you need?",))


def test_quote_lines_of_our_draft_are_the_pending_items() -> None:
    draft = dataclasses.replace(
        QUOTE, text="Dear Tom,\nthanks.", draft_intent="inquiry", quote_items=("HX-4L x 500",)
    )
    d = decide(dataclasses.replace(facts(), messages=(draft,)), RULES, at(22))
    assert (d.pending, d.items, d.state) == ("quote", ("HX-4L x 500",), "due")


def test_pi_wins_over_quote() -> None:
    pi = dataclasses.replace(
        QUOTE, text="Attached our Proforma Invoice PI No. HX-PI-2026-0042 for your order."
    )
    assert decide(dataclasses.replace(facts(), messages=(pi,)), RULES, at(21)).pending == "pi"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I am out of the office until 24 November", date(2026, 11, 24)),
        ("Ich bin bis 24.11.2026 nicht im Büro", date(2026, 11, 24)),
        ("back on Monday, Nov 30th", date(2026, 11, 30)),
        ("我将于12月1日回来", date(2026, 12, 1)),
        ("Estaré fuera, regreso el 02/12", date(2026, 12, 2)),
        ("back on 2027-01-04", date(2027, 1, 4)),
        ("Back 5 Jan", date(2027, 1, 5)),  # next year when the date has passed
        ("Thanks for your mail", None),
    ],
)
def test_return_dates(text: str, expected: date | None) -> None:
    assert (
        return_date(
            text,
            date(2026, 11, 20) if expected is None or expected.month > 2 else date(2026, 12, 20),
        )
        == expected
    )


def test_the_customers_dates_follow_dst() -> None:
    """A quote to New York on Friday 30 Oct 2026, 22:30 EDT (Sat 02:30 UTC): their Friday.
    US summer time ends on Sunday 1 Nov, so on Wednesday 4 Nov the day starts at 05:00 UTC
    (EST), not 04:00 (EDT)."""
    sent = datetime(2026, 10, 31, 2, 30, tzinfo=UTC)
    f = dataclasses.replace(
        facts(country="US", zone="America/New_York"),
        messages=(dataclasses.replace(QUOTE, at=sent),),
    )
    # Mon 2, Tue 3, Wed 4 Nov: counted from their Friday, not from the UTC Saturday
    d = decide(f, RULES, datetime(2026, 11, 4, 4, 30, tzinfo=UTC))  # Tue 23:30 EST
    assert (d.state, d.due_on) == ("waiting", date(2026, 11, 4))
    assert "our 2026-10-30 message is a quote" in " ".join(d.reasons)
    assert decide(f, RULES, datetime(2026, 11, 4, 5, 30, tzinfo=UTC)).state == "due"
    # Germany's summer time ended a week earlier (25 Oct): a quote of Thu 22 Oct is due on
    # Tue 27 (23, 26, 27); 22:30 UTC on Monday 26 is still Monday there (23:30 CET)
    de = dataclasses.replace(facts(), messages=(dataclasses.replace(QUOTE, at=at(22, 10)),))
    monday = decide(de, RULES, datetime(2026, 10, 26, 22, 30, tzinfo=UTC))
    assert (monday.state, monday.due_on) == ("waiting", date(2026, 10, 27))
    assert decide(de, RULES, datetime(2026, 10, 26, 23, 30, tzinfo=UTC)).state == "due"
