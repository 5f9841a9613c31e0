"""Outbound translation: a draft written in the team language becomes the customer's."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from support import translation_model as tm
from support.apptools import mail, make_app

from mailagent.app import App
from mailagent.capture.ingest import ingest_raw
from mailagent.db import models as m
from mailagent.drafts.service import edit_draft
from mailagent.drafts.translate import translate_draft
from mailagent.errors import TranslationError
from mailagent.translation.models import install_from_file
from mailagent.web.translationview import draft_check
from mailagent.web.users import UserInfo


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("pkgs")
    sp = tm.train_sentencepiece()
    return {f"{a}_{b}": tm.build_package(out, a, b, sp, seed=i)
            for i, (a, b) in enumerate([("zh", "en"), ("en", "de")])}  # fmt: skip


@pytest.fixture
def app(tmp_path: Path) -> App:
    a = make_app(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite'}")
    a.settings = dataclasses.replace(
        a.settings,
        translation=dataclasses.replace(a.settings.translation, models_dir=str(tmp_path / "m")),
    )
    return a


def _german_draft(app: App) -> int:
    raw = mail(
        1, subject="Anfrage Leiterplatten", sender="einkauf@beispiel-gmbh.de",
        body="Sehr geehrte Damen und Herren,\n\nbitte senden Sie uns ein Angebot über 500 Stück "
             "vierlagige Leiterplatten HX-4L-FR4-1.6.\n\nMit freundlichen Grüßen\nKarl Weber",
    )  # fmt: skip
    ingest_raw(app, [(raw, "de.eml")])
    with app.sessions() as s:
        draft = s.scalar(select(m.Draft).where(m.Draft.kind == "reply"))
        assert draft is not None and draft.language == "de"
        return draft.id


def test_team_language_draft_translated_and_both_versions_kept(
    app: App, packages: dict[str, Path]
) -> None:
    draft_id = _german_draft(app)
    chinese = "您好，\n\n报价见附件，交期 15 天，FOB Shenzhen，单价 USD 2.65。\n\n谢谢"
    v_zh = edit_draft(app, draft_id, chinese, actor="lily")
    # the review page checks the text in the language it is written in, not the customer's
    lily = draft_check(app, reader("zh"), chinese, "de")
    assert (lily.state, lily.source, lily.customer, lily.offer) == ("none", "zh", "de", True)
    kevin = draft_check(app, reader("en"), chinese, "de")
    assert (kevin.state, kevin.source, kevin.missing) == ("no_model", "zh", (("zh", "en"),))
    for name in ("zh_en", "en_de"):  # no zh→de model: pivot through English
        install_from_file(packages[name], app.settings.translation.models_dir)
    result = translate_draft(app, draft_id, actor="lily")
    assert (result.source, result.target) == ("zh", "de")
    assert result.original_version == v_zh and result.translated_version == v_zh + 1
    assert "FOB" in result.translated and "USD 2.65" in result.translated  # protected tokens
    assert "Lieferzeit" in result.translated  # rules/glossary.toml: 交期 -> Lieferzeit
    with app.sessions() as s:
        versions = s.scalars(
            select(m.DraftVersion)
            .where(m.DraftVersion.draft_id == draft_id)
            .order_by(m.DraftVersion.version)
        ).all()
        draft = s.get(m.Draft, draft_id)
        assert draft is not None and draft.status == "pending"
    bodies = {v.version: v.body for v in versions}
    assert bodies[v_zh].strip() == chinese.strip()
    assert bodies[v_zh + 1].rstrip("\n") == result.translated.rstrip("\n")


def reader(*reads: str) -> UserInfo:
    now = datetime(2026, 11, 20, tzinfo=UTC)
    return UserInfo(1, "r@x.test", "", "sales", reads[0], reads, True, now, None, "")


def test_missing_model_names_the_pair(app: App) -> None:
    draft_id = _german_draft(app)
    with pytest.raises(TranslationError, match="already in de"):  # written in German
        translate_draft(app, draft_id, actor="lily")
    edit_draft(app, draft_id, "您好，请确认订单。", actor="lily")
    with pytest.raises(TranslationError, match="zh→de"):
        translate_draft(app, draft_id, actor="lily")


def test_quoted_history_is_never_translated() -> None:
    from mailagent.drafts.translate import reply_and_history

    body = (
        "Dear Fernanda,\n\nThank you.\n\nBest regards\nKevin\n\n"
        "On 18 Nov 2026, Fernanda wrote:\n> Prezados,\n>\n> Bom dia!\n"
    )
    reply, history = reply_and_history(body)
    assert reply + history == body
    assert history.startswith("On 18 Nov 2026") and "Prezados" not in reply
    assert reply_and_history("Just a reply.\n") == ("Just a reply.\n", "")
