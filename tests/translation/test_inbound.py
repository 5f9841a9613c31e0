"""Translation per reader: who needs what (pure), the (message, target) queue and its states.

The queue tests use deterministic fake engines behind the real :class:`EngineRouter` (the
model path itself is covered by test_translation.py with tiny Argos packages and by
test_bergamot.py with the real Firefox Translations model); they run on SQLite and
PostgreSQL.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from mailagent.db import models as m
from mailagent.db.session import make_engine, session_factory, transaction, upgrade
from mailagent.translation.backlog import missing_report, replan_recent, requeue
from mailagent.translation.engines import EngineRouter
from mailagent.translation.inbound import run_queue
from mailagent.translation.readers import choose, install_hint, missing_pairs, parse_reads
from mailagent.translation.service import TranslationService

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)

# -- who needs what (pure) ------------------------------------------------------------------

LILY = ("zh", "en")
KEVIN = ("en",)


def test_reader_who_reads_the_language_gets_nothing() -> None:
    assert choose("en", LILY, set()).action == "none"
    assert choose("zh", LILY, set()).action == "none"
    assert choose("zh-TW", LILY, set()).action == "none"  # Traditional: a zh reader reads it
    assert choose("unknown", KEVIN, {("de", "en")}).action == "none"
    assert choose(None, KEVIN, set()).action == "none"


def test_first_reachable_reader_language_wins_directly_or_via_english() -> None:
    only_en = {("de", "en")}
    c = choose("de", LILY, only_en)
    assert (c.action, c.target, c.hops) == ("translate", "en", (("de", "en"),))
    assert "no model for de→zh" in c.reason  # says why Lily gets English
    both = {("de", "en"), ("en", "zh")}
    c = choose("de", LILY, both)
    assert (c.target, c.hops) == ("zh", (("de", "en"), ("en", "zh")))
    assert choose("de", KEVIN, both).target == "en"
    assert choose("zh", KEVIN, {("zh", "en")}).target == "en"


def test_missing_names_the_models_to_install() -> None:
    c = choose("de", LILY, set())
    assert (c.action, c.target, c.missing) == ("missing", "zh", (("de", "en"), ("en", "zh")))
    assert install_hint(c.missing) == "`mailagent translate install de en` and `en zh`"
    assert c.reason == "no model for de→zh: install " + install_hint(c.missing)
    # a leg already installed is not asked for again; pairs with English are direct
    assert missing_pairs({("de", "en")}, "de", "zh") == (("en", "zh"),)
    assert missing_pairs(set(), "ja", "en") == (("ja", "en"),)


def test_parse_reads() -> None:
    assert parse_reads("zh, EN;en") == ("zh", "en")
    assert parse_reads("pt-BR,zh_CN") == ("pt", "zh")
    assert parse_reads("", fallback="zh") == ("zh",)
    with pytest.raises(ValueError, match="not a language code"):
        parse_reads("english!")


# -- the queue --------------------------------------------------------------------------------


class Fake:
    """An engine that tags its output, so a test sees what went through which pair."""

    def __init__(self, pairs: set[tuple[str, str]], fail: bool = False) -> None:
        self.pairs, self.fail = pairs, fail
        self.calls: list[tuple[str, str, list[str]]] = []
        self.seen_states: list[str] = []
        self.factory: sessionmaker[Session] | None = None

    def translate_batch(self, texts: Sequence[str], *, source: str, target: str) -> list[str]:
        self.calls.append((source, target, list(texts)))
        if self.factory is not None:  # what a web page would show while the model works
            with self.factory() as s:
                self.seen_states += list(s.scalars(select(m.MessageTranslation.status)))
        if self.fail:
            raise RuntimeError("model crashed")
        return [f"[{target}] {t}" for t in texts]

    def available_pairs(self) -> set[tuple[str, str]]:
        return set(self.pairs)

    def model_version(self, source: str, target: str) -> str:
        return f"fake-{source}-{target}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def factory(request: pytest.FixtureRequest, tmp_path: object) -> Iterator[sessionmaker[Session]]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/q.db"
    else:
        url = request.getfixturevalue("pg_url")
    engine = make_engine(url)
    upgrade(engine)
    yield session_factory(engine)
    engine.dispose()


def user(factory: sessionmaker[Session], email: str, role: str, reads: str, ui: str = "zh") -> None:
    with transaction(factory) as s:
        s.add(
            m.User(
                email=email, password_hash="x", role=role, language=ui, reads=reads,
                active=True, created_at=NOW,
            )
        )  # fmt: skip


def message(
    factory: sessionmaker[Session],
    n: int,
    lang: str,
    body: str,
    *,
    subject: str = "",
    intent: str = "inquiry",
    received: datetime = NOW,
) -> int:
    with transaction(factory) as s:
        row = m.Message(
            message_id=f"<q{n}@example.test>", raw_sha256=f"{n:064x}", raw_size=10,
            received_at=received, created_at=received, language=lang, subject=subject or body,
            new_text=body, text=body, intent=intent, translation_status="pending",
        )  # fmt: skip
        s.add(row)
        s.flush()
        return row.id


def rows(factory: sessionmaker[Session]) -> dict[tuple[int, str], m.MessageTranslation]:
    with factory() as s:
        return {(r.message_id, r.target_lang): r for r in s.scalars(select(m.MessageTranslation))}


def service(
    factory: sessionmaker[Session], engine: Fake
) -> tuple[TranslationService, EngineRouter]:
    router = EngineRouter({"argos": engine}, order=["argos"])
    return TranslationService(router, factory, "zh", clock=lambda: NOW), router


@pytest.fixture
def team(factory: sessionmaker[Session]) -> sessionmaker[Session]:
    user(factory, "lily@x.test", "sales", "zh,en")
    user(factory, "kevin@x.test", "sales", "en", ui="en")
    user(factory, "admin@x.test", "admin", "ja")  # administrators read no mail
    user(factory, "boss@x.test", "supervisor", "")  # empty: reads the UI language (zh)
    return factory


def test_one_translation_per_target_reader_states_and_honest_counts(
    team: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    engine = Fake({("de", "en"), ("pt", "en")})
    engine.factory = team
    svc, router = service(team, engine)
    de = message(team, 1, "de", "Bitte um ein Angebot.", subject="Anfrage")
    de2 = message(team, 2, "de", "Bitte um ein Angebot.")
    fr = message(team, 3, "fr", "Merci pour la commande.")
    zh = message(team, 4, "zh", "谢谢")
    en = message(team, 5, "en", "Thanks")
    with caplog.at_level(logging.INFO, logger="mailagent.translation.inbound"):
        result = run_queue(svc, router)
    found = rows(team)
    # de: Lily (zh,en) and Kevin (en) both get English, translated once, subject too
    assert found[(de, "en")].status == "done" and (de, "zh") in found
    assert found[(de, "zh")].status == "no_model"  # the zh-only supervisor
    assert found[(de, "en")].subject == "[en] Anfrage"
    assert found[(de, "en")].body == "[en] Bitte um ein Angebot."
    assert found[(de, "en")].engine == "argos de→en"
    assert engine.seen_states.count("running") >= 1  # running while the model works
    assert engine.calls == [("de", "en", ["Anfrage", "Bitte um ein Angebot."])]  # cache
    assert found[(de2, "en")].status == "done"
    # fr: nobody can be served; zh: only Kevin needs it
    assert {k[1]: r.status for k, r in found.items() if k[0] == fr} == {
        "zh": "no_model",
        "en": "no_model",
    }
    assert found[(fr, "zh")].error == (
        "No model for fr→zh: `mailagent translate install fr en` and `en zh`"
    )
    assert found[(zh, "en")].status == "no_model"
    assert [k for k in found if k[0] == en] == [(en, "zh")]  # only the zh-only supervisor
    # only real translations are counted; each missing pair is said once
    assert result.translated == 2 and result.failed == 0
    assert result.missing == {("fr", "en"): 1, ("en", "zh"): 4, ("zh", "en"): 1}
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warned) == 3 and any("fr→en (1 message(s) need it)" in w for w in warned)
    message(team, 6, "fr", "Encore merci.")
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="mailagent.translation.inbound"):
        again = run_queue(svc, router)
    assert again.translated == 0 and not caplog.records  # not once per message
    with team() as s:
        states = {r.id: r.translation_status for r in s.scalars(select(m.Message))}
    assert states[de] == "unavailable" and states[fr] == "unavailable"
    zh_only = message(team, 7, "zh", "你好")
    run_queue(svc, router)
    with team() as s:
        assert s.get(m.Message, zh_only).translation_status == "unavailable"  # type: ignore[union-attr]
    with transaction(team) as s:  # Kevin leaves: nobody needs Chinese translated any more
        s.execute(update(m.User).where(m.User.email == "kevin@x.test").values(active=False))
    nobody = message(team, 8, "zh", "再见")
    run_queue(svc, router)
    with team() as s:
        assert s.get(m.Message, nobody).translation_status == "none"  # type: ignore[union-attr]


def test_failure_recorded_with_error_then_requeued_after_install(
    team: sessionmaker[Session],
) -> None:
    svc, router = service(team, Fake({("de", "en")}, fail=True))
    de = message(team, 1, "de", "Hallo Welt.")
    assert run_queue(svc, router).failed == 1
    row = rows(team)[(de, "en")]
    assert (row.status, row.error) == ("failed", "RuntimeError: model crashed")
    with team() as s:
        msg = s.get(m.Message, de)
        assert msg is not None and msg.translation_status == "failed"
    assert run_queue(svc, router).failed == 0  # not retried in a loop
    # an admin installs the models (here: a working engine with both legs to zh)
    svc, router = service(team, Fake({("de", "en"), ("en", "zh")}))
    assert requeue(svc) == 1
    result = run_queue(svc, router)
    assert result.translated == 1
    found = rows(team)
    assert found[(de, "en")].status == "done"
    assert found[(de, "zh")].status == "done"  # Lily now gets Chinese, via English
    assert found[(de, "zh")].engine == "argos de→en + argos en→zh"


def test_one_bad_message_fails_only_itself(team: sessionmaker[Session]) -> None:
    class Picky(Fake):
        def translate_batch(self, texts: Sequence[str], *, source: str, target: str) -> list[str]:
            if any("Gift" in t for t in texts):
                raise RuntimeError("the model choked")
            return super().translate_batch(texts, source=source, target=target)

    svc, router = service(team, Picky({("de", "en")}))
    good = message(team, 1, "de", "Guten Tag.")
    bad = message(team, 2, "de", "Gift im Text.")
    result = run_queue(svc, router)
    assert (result.translated, result.failed) == (1, 1)
    found = rows(team)
    assert found[(good, "en")].status == "done"
    assert (found[(bad, "en")].status, found[(bad, "en")].error) == (
        "failed",
        "RuntimeError: the model choked",
    )


def test_complaint_translation_into_team_language_kept_on_message(
    team: sessionmaker[Session],
) -> None:
    svc, router = service(team, Fake({("de", "en"), ("en", "zh")}))
    pk = message(team, 1, "de", "Die Platten sind defekt.", intent="complaint")
    run_queue(svc, router)
    with team() as s:
        msg = s.get(m.Message, pk)
        assert msg is not None
        assert (msg.translation_status, msg.translation_target) == ("done", "zh")
        assert msg.translated_text == "[zh] [en] Die Platten sind defekt."


def test_stale_running_rows_are_taken_again(team: sessionmaker[Session]) -> None:
    svc, router = service(team, Fake({("de", "en")}))
    pk = message(team, 1, "de", "Hallo.")
    run_queue(svc, router)
    with transaction(team) as s:  # a worker died mid-translation long ago
        s.execute(
            update(m.MessageTranslation).values(
                status="running", body=None, updated_at=NOW - timedelta(hours=1)
            )
        )
    run_queue(svc, router)
    assert rows(team)[(pk, "en")].status == "done"


def test_new_reader_gets_recent_mail_and_missing_report(team: sessionmaker[Session]) -> None:
    svc, router = service(team, Fake({("de", "en")}))
    recent = message(team, 1, "de", "Hallo.")
    old = message(team, 2, "de", "Alt.", received=NOW - timedelta(days=60))
    run_queue(svc, router)
    user(team, "taro@x.test", "sales", "ja")
    assert replan_recent(team, NOW, 30) >= 1
    run_queue(svc, router)
    found = rows(team)
    assert found[(recent, "ja")].status == "no_model" and (old, "ja") not in found
    with team() as s:
        report = missing_report(s, router.available_pairs(), NOW, 30)
    need = {(p.source, p.target): p.messages for p in report}
    assert need == {("en", "zh"): 1, ("en", "ja"): 1}  # de→en is installed: only the 2nd leg
    assert report[0].hint.startswith("`mailagent translate install en")
