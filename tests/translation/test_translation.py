"""Tests for mailagent.translation: models, backend, splitting, protection, cache, queue.

Real Argos models cannot be downloaded here, so ``translation_model.py`` builds tiny
random-weight packages once per session. Their output is gibberish: the tests check the
plumbing (install, load, batching, pivoting, placeholders, cache, states), never wording.
"""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import threading
import time
import zipfile
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from support import translation_model as tm
from support.servers import free_port

from mailagent.config import Settings, StoreSettings, TeamSettings, TranslationSettings
from mailagent.db.models import Message, MessageTranslation, Translation, User
from mailagent.db.session import make_engine, session_factory, transaction, upgrade
from mailagent.errors import RulesError, TranslationError
from mailagent.translation import (
    ArgosTranslator,
    Glossary,
    Term,
    TranslationService,
    Translator,
    build_service,
    cli_install,
    cli_models,
    cli_remove,
    find_path,
    install_from_file,
    install_from_index,
    join,
    list_models,
    load_glossary,
    plan,
    protect,
    remove,
    restore,
    sentences,
    split,
)
from mailagent.translation.argos import detokenize
from mailagent.translation.backlog import requeue
from mailagent.translation.engines import EngineRouter
from mailagent.translation.inbound import run_queue

Install = Callable[..., None]

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)

# -- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sp_model() -> bytes:
    return tm.train_sentencepiece()


@pytest.fixture(scope="session")
def packages(tmp_path_factory: pytest.TempPathFactory, sp_model: bytes) -> dict[str, Path]:
    """Tiny packages built once: ``{"de_en": path.argosmodel, ...}``."""
    out = tmp_path_factory.mktemp("packages")
    pairs = [("de", "en"), ("en", "zh"), ("zh", "en"), ("en", "de"), ("fr", "en")]
    return {
        f"{a}_{b}": tm.build_package(out, a, b, sp_model, seed=i) for i, (a, b) in enumerate(pairs)
    }


@pytest.fixture
def models_dir(tmp_path: Path) -> Path:
    return tmp_path / "models"


@pytest.fixture
def install(packages: dict[str, Path], models_dir: Path) -> Install:
    def _install(*names: str) -> None:
        for name in names:
            install_from_file(packages[name], models_dir)

    return _install


@pytest.fixture
def factory(tmp_path: Path) -> sessionmaker[Session]:
    engine = make_engine("sqlite:///" + str(tmp_path / "t.db"))
    upgrade(engine)
    return session_factory(engine)


class Counting:
    """Wraps a Translator and records every backend call."""

    def __init__(self, inner: Translator) -> None:
        self.inner = inner
        self.calls: list[tuple[str, str, list[str]]] = []

    def translate_batch(self, texts: Sequence[str], *, source: str, target: str) -> list[str]:
        self.calls.append((source, target, list(texts)))
        return self.inner.translate_batch(texts, source=source, target=target)

    def available_pairs(self) -> set[tuple[str, str]]:
        return self.inner.available_pairs()

    def model_version(self, source: str, target: str) -> str:
        return self.inner.model_version(source, target)

    @property
    def texts(self) -> list[str]:
        return [t for _, _, batch in self.calls for t in batch]


class Echo:
    """A fake backend that returns its input, optionally mangled (deterministic tests)."""

    def __init__(self, pairs: set[tuple[str, str]], mangle: object = None) -> None:
        self.pairs = pairs
        self.mangle = mangle

    def translate_batch(self, texts: Sequence[str], *, source: str, target: str) -> list[str]:
        return [self.mangle(t) if callable(self.mangle) else t for t in texts]

    def available_pairs(self) -> set[tuple[str, str]]:
        return set(self.pairs)

    def model_version(self, source: str, target: str) -> str:
        return f"echo-{source}-{target}"


def add_message(
    factory: sessionmaker[Session],
    n: int,
    language: str | None,
    new_text: str,
    quoted: str = "",
    *,
    pending: bool = True,
) -> int:
    with transaction(factory) as s:
        m = Message(
            message_id=f"<m{n}@example.test>",
            raw_sha256=f"{n:064x}",
            raw_size=100,
            received_at=NOW,
            created_at=NOW,
            language=language,
            new_text=new_text,
            quoted_text=quoted,
            text=new_text + "\n" + quoted,
            translation_status="pending" if pending else "none",
        )
        s.add(m)
        s.flush()
        return m.id


def get_message(factory: sessionmaker[Session], pk: int) -> Message:
    with factory() as s:
        m = s.get(Message, pk)
        assert m is not None
        return m


# -- model packages -------------------------------------------------------------------------


def test_install_list_and_cli(install: Install, models_dir: Path) -> None:
    assert list_models(models_dir) == []
    assert "no translation models installed" in cli_models(models_dir)
    install("de_en", "en_zh")
    models = list_models(models_dir)
    assert [m.pair for m in models] == [("de", "en"), ("en", "zh")]
    assert models[0].path == models_dir / "translate-de_en"
    assert models[0].from_name == "German" and models[0].package_version == "1.0"
    table = cli_models(models_dir)
    assert "de→en" in table and "en→zh" in table
    assert not [p for p in models_dir.iterdir() if p.name.startswith(".")]  # no leftovers


def test_reinstall_replaces_pair_and_changes_version(
    tmp_path: Path, sp_model: bytes, models_dir: Path
) -> None:
    v1 = tm.build_package(tmp_path / "v1", "de", "en", sp_model, package_version="1.0")
    v2 = tm.build_package(tmp_path / "v2", "de", "en", sp_model, package_version="1.1", seed=3)
    install_from_file(v1, models_dir)
    translator = ArgosTranslator(models_dir)
    old = translator.model_version("de", "en")
    translator.translate_batch(["Hallo"], source="de", target="en")
    assert cli_install(None, None, models_dir, file=v2).startswith("installed de→en 1.1")
    assert [m.package_version for m in list_models(models_dir)] == ["1.1"]
    assert translator.model_version("de", "en") != old
    translator.translate_batch(["Hallo"], source="de", target="en")  # reloads the new model


def test_remove(install: Install, models_dir: Path) -> None:
    install("de_en", "en_zh")
    gone = remove("de", "en", models_dir)
    assert [m.pair for m in gone] == [("de", "en")]
    assert [m.pair for m in list_models(models_dir)] == [("en", "zh")]
    assert "removed en→zh" in cli_remove("en", "zh", models_dir)
    with pytest.raises(TranslationError, match="no model installed for en→zh"):
        remove("en", "zh", models_dir)


def _zip(path: Path, entries: dict[str, bytes], *, symlink: str | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = 0o120777 << 16
            zf.writestr(info, "/etc/passwd")
    return path


_META = json.dumps({"from_code": "de", "to_code": "en", "package_version": "1"}).encode()
_GOOD = {"p/metadata.json": _META, "p/sentencepiece.model": b"x", "p/model/model.bin": b"x"}


@pytest.mark.parametrize(
    ("entries", "symlink", "message"),
    [
        ({**_GOOD, "../evil.txt": b"pwned"}, None, "unsafe path"),
        ({**_GOOD, "p/../../evil.txt": b"pwned"}, None, "unsafe path"),
        ({**_GOOD, "/tmp/evil.txt": b"pwned"}, None, "unsafe path"),
        ({**_GOOD, "C:/evil.txt": b"pwned"}, None, "unsafe path"),
        (_GOOD, "p/link", "links are not allowed"),
        ({k: v for k, v in _GOOD.items() if "metadata" not in k}, None, "metadata.json is missing"),
        ({k: v for k, v in _GOOD.items() if "model.bin" not in k}, None, "model/ is missing"),
        ({**_GOOD, "q/other.txt": b"x"}, None, "exactly one top folder"),
        ({**_GOOD, "p/metadata.json": b"{not json"}, None, "unreadable metadata"),
        ({**_GOOD, "p/metadata.json": b'{"from_code": "de"}'}, None, "to_code"),
    ],
    ids=[
        "zip-slip",
        "nested-slip",
        "absolute",
        "drive",
        "symlink",
        "no-metadata",
        "no-model",
        "two-tops",
        "bad-json",
        "no-to-code",
    ],
)
def test_bad_archives_rejected(
    tmp_path: Path, models_dir: Path, entries: dict[str, bytes], symlink: str | None, message: str
) -> None:
    archive = _zip(tmp_path / "bad.argosmodel", entries, symlink=symlink)
    with pytest.raises(TranslationError, match=message):
        install_from_file(archive, models_dir)
    assert not (tmp_path / "evil.txt").exists() and not Path("/tmp/evil.txt").exists()
    assert list(models_dir.iterdir()) == []


def test_not_a_zip_and_zip_bomb(tmp_path: Path, models_dir: Path) -> None:
    junk = tmp_path / "junk.argosmodel"
    junk.write_bytes(b"not a zip at all")
    with pytest.raises(TranslationError, match="not a zip archive"):
        install_from_file(junk, models_dir)
    bomb = _zip(tmp_path / "bomb.argosmodel", {**_GOOD, "p/model/model.bin": bytes(20_000_000)})
    assert bomb.stat().st_size < 100_000
    with pytest.raises(TranslationError, match="unpacks to more than"):
        install_from_file(bomb, models_dir, max_unpacked_bytes=5_000_000)
    assert list(models_dir.iterdir()) == []


# -- backend --------------------------------------------------------------------------------


def test_lazy_load_and_batch_order(install: Install, models_dir: Path) -> None:
    install("de_en")
    translator = ArgosTranslator(models_dir, beam_size=2, batch_size=4, threads=1)
    assert translator.available_pairs() == {("de", "en")}
    assert translator.loaded_pairs() == set()
    texts = [f"Bitte senden Sie {n} Muster für die Bestellung." for n in range(23)] + ["Danke"]
    batched = translator.translate_batch(texts, source="de", target="en")
    assert translator.loaded_pairs() == {("de", "en")}
    assert len(batched) == len(texts) and all(isinstance(t, str) for t in batched)
    singles = [translator.translate_batch([t], source="de", target="en")[0] for t in texts]
    assert batched == singles  # same order as the input, one result per text
    assert translator.translate_batch([], source="de", target="en") == []
    with pytest.raises(TranslationError, match="no translation model for en→de"):
        translator.translate_batch(["Hello"], source="en", target="de")


def test_placeholders_survive_tiny_sentencepiece(sp_model: bytes) -> None:
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_proto=sp_model)
    text = "Bitte ⟦0⟧ und ⟦12⟧ liefern, 您好 ⟦3⟧."
    pieces = sp.encode(text, out_type=str)
    assert "⟦" in pieces and "⟧" in pieces
    assert detokenize(pieces) == text
    assert detokenize(["▁a", "<0xE4>", "<0xBD>", "<0xA0>", "</s>", "▁b\n"]) == "a你 b"


# -- path planning --------------------------------------------------------------------------


def test_find_path() -> None:
    pairs = {("de", "en"), ("en", "zh"), ("de", "zh")}
    assert find_path(pairs, "de", "zh") == [("de", "zh")]  # direct beats pivot
    assert find_path(pairs - {("de", "zh")}, "de", "zh") == [("de", "en"), ("en", "zh")]
    assert find_path(set(), "zh-CN", "zh") == []
    assert plan({("de", "en"), ("en", "zh")}, "de", "zh").describe() == "de→en→zh"
    with pytest.raises(TranslationError) as err:
        find_path({("de", "en")}, "de", "zh")
    assert str(err.value) == (
        "no translation model for de→zh: install de→zh, or de→en and en→zh "
        "(mailagent translate install de zh)"
    )
    with pytest.raises(
        TranslationError, match=r"^no translation model for en→zh: install en→zh \("
    ):
        find_path({("de", "en")}, "en", "zh")


# -- sentence splitting ---------------------------------------------------------------------


SPLITS = [
    "Dear Mr. Smith, thanks. | We ship today.",
    "Bitte z.B. an Dr. Müller senden. | Die Nr. 5 fehlt.",
    "Use i.e. the FR-4 board. | Item No. 7 is OK!",
    "Samples, brochures etc. | Please check.",
    "J. Smith agrees. | Lieferung am 3. März bitte.",
    "Is it 1.6 mm? | Yes.",
    "您好！|我们已收到订单。|请确认交期？|谢谢",
    "注文を受け取りました．|ありがとう。",
    "Visit www.huaxin.com. | Mail sales@huaxin-pcb.com now.",
]


@pytest.mark.parametrize("case", SPLITS)
def test_split_sentences(case: str) -> None:
    text = case.replace(" | ", " ").replace("|", "")
    assert sentences(split(text)) == [s.strip() for s in case.split("|")]


def test_split_keeps_layout() -> None:
    text = (
        "Dear Ms. Chen,\r\n\r\n"
        "Thanks for the quote. Please confirm:\n"
        "  - 5,000 pcs HX-4L-FR4-1.6\n"
        "  2) delivery by May.\n"
        "\n\n"
        "Best regards,\n"
        "Hans Müller\n"
        "-- \n"
    )
    pieces = split(text)
    assert join(pieces, sentences(pieces)) == text
    assert sentences(pieces) == [
        "Dear Ms. Chen,", "Thanks for the quote.", "Please confirm:", "5,000 pcs HX-4L-FR4-1.6",
        "delivery by May.", "Best regards,", "Hans Müller",
    ]  # fmt: skip
    upper = join(pieces, [s.upper() for s in sentences(pieces)])
    assert upper.splitlines() == [line.upper() for line in text.splitlines()]


def test_split_soft_wrap_long_sentences_and_gaps() -> None:
    first = "We would like to order the boards described in the attached"
    wrapped = f"{first}\nspecification as soon as possible.\nThanks"
    assert sentences(split(wrapped)) == [f"{first} specification as soon as possible.", "Thanks"]
    assert sentences(split(wrapped, unwrap=False))[0].endswith("attached")
    long = "word, " * 200
    assert all(len(s) <= 400 for s in sentences(split(long)))
    pieces = split("First one. Second one.")
    assert join(pieces, ["第一。", "第二。"], target="zh") == "第一。第二。"
    pieces = split("第一。第二。")
    assert join(pieces, ["First.", "Second."], target="en") == "First. Second."


# -- protection and glossary ----------------------------------------------------------------

PROTECTED = [
    "HX-4L-FR4-1.6", "FR-4", "2N2222A", "USD 1,234.50", "€3.20", "¥800", "5,000 pcs",
    "1.6 mm", "35 µm", "2 oz", "FOB", "CIF", "EXW", "DDP", "DAP", "CFR", "FCA", "PO-45001",
    "PI-HX-2026-031", "SO-2026-0088", "sales@huaxin-pcb.com", "https://www.huaxin.com/p?id=5",
]  # fmt: skip
MARKER = "[[PRICE NEEDED / 待报价: customer item, not in the price list: price it by hand]]"


@pytest.mark.parametrize("token", [*PROTECTED, MARKER])
def test_protect_each_kind(token: str) -> None:
    text = f"Please check {token} today."
    p = protect(text)
    assert token not in p.text and "⟦0⟧" in p.text
    assert [s.original for s in p.spans] == [token]
    assert restore(p.text, p) == text


def test_restore_is_defensive() -> None:
    p = protect("Order PO-45001 at USD 3.20 FOB Ningbo.")
    assert p.text == "Order ⟦0⟧ at ⟦1⟧ ⟦2⟧ Ningbo."
    assert (
        restore("Bestellung ⟦ 0 ⟧ zu [[1]] ⟦２⟧ Ningbo.", p)
        == "Bestellung PO-45001 zu USD 3.20 FOB Ningbo."
    )
    assert (
        restore("Bestellung ⟦0⟧ ⟦0⟧ ⟦7⟧ Ningbo.", p) == "Bestellung PO-45001 Ningbo USD 3.20 FOB."
    )
    assert restore("订单⟦0⟧", p, target="zh") == "订单PO-45001 USD 3.20 FOB"
    p = protect("型号HX-4L-FR4-1.6的价格是USD 3.20。")
    assert [s.original for s in p.spans] == ["HX-4L-FR4-1.6", "USD 3.20"]
    p = protect("Text with ⟦3⟧ and [[1]] inside.")
    assert restore(p.text, p) == "Text with ⟦3⟧ and [[1]] inside."
    assert not protect("⟦0⟧ PO-45001").has_words


GLOSSARY = """
keep = ["Huaxin"]

[[term]]
source = "solder mask"
target = "阻焊"
from = "en"
to = "zh"

[[term]]
source = "交期"
target = "lead time"
from = "zh"
to = "en"
"""


def test_glossary_load_and_errors(tmp_path: Path) -> None:
    path = tmp_path / "glossary.toml"
    path.write_text(GLOSSARY, encoding="utf-8")
    g = load_glossary(path)
    assert g.keep == ("Huaxin",)
    assert g.terms_for("en", "zh") == (Term("solder mask", "阻焊", "en", "zh"),)
    assert load_glossary(tmp_path / "none.toml", missing_ok=True) == Glossary()
    bad = GLOSSARY + '\n[[term]]\nsource = "x"\ntarget = ""\nfrom = "en"\nto = "zh"\n'
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(RulesError, match=r"glossary.toml: term 3: target: expected a non-empty"):
        load_glossary(path)
    path.write_text('[[term]]\nsource = "a"\ntarget = "b"\nfrom = "english"\nto = "zh"\n')
    with pytest.raises(RulesError, match=r"term 1: from: not a language code"):
        load_glossary(path)
    path.write_text('[[term]]\nsource = "a"\ntarget = "b"\nfrom = "en"\nto = "zh"\ncolour = 1\n')
    with pytest.raises(RulesError, match=r"term 1: colour: unknown field"):
        load_glossary(path)
    path.write_text('keep = "Huaxin"\n')
    with pytest.raises(RulesError, match=r"keep: expected a list"):
        load_glossary(path)


def test_shipped_glossary_loads() -> None:
    g = load_glossary(ROOT / "rules" / "glossary.toml")
    assert g.terms and g.keep


def test_glossary_forces_terms(factory: sessionmaker[Session]) -> None:
    glossary = Glossary((Term("solder mask", "阻焊", "en", "zh"),), ("Huaxin",))
    svc = TranslationService(Echo({("en", "zh")}), factory, "zh", glossary=glossary)
    out = svc.translate_text("The Solder Mask from Huaxin is green.", "en", "zh")
    assert out == "The 阻焊 from Huaxin is green."
    plain = TranslationService(Echo({("en", "zh")}), factory, "zh")
    assert plain.cache_version(plan({("en", "zh")}, "en", "zh")) != svc.cache_version(
        plan({("en", "zh")}, "en", "zh")
    )


def test_real_model_output_keeps_protected_tokens(
    install: Install, models_dir: Path, factory: sessionmaker[Session]
) -> None:
    install("de_en", "en_zh")
    glossary = Glossary((Term("Lötstopplack", "阻焊", "de", "zh"),), ("Huaxin",))
    svc = TranslationService(ArgosTranslator(models_dir), factory, "zh", glossary=glossary)
    text = (
        "Sehr geehrte Damen und Herren,\n\n"
        "bitte liefern Sie 5,000 pcs HX-4L-FR4-1.6 (FR-4, 1.6 mm, 35 µm, 2 oz) zu USD 1,234.50 "
        "FOB Shenzhen. Unsere PO-45001 bezieht sich auf PI-HX-2026-031 und SO-2026-0088.\n"
        "Preis €3.20 oder ¥800, Transistor 2N2222A, EXW/CIF/DDP möglich. Lötstopplack von Huaxin.\n"
        "Kontakt: sales@huaxin-pcb.com, https://www.huaxin.com/p?id=5\n"
    )
    out = svc.translate_text(text, "de", "zh")
    for token in [*PROTECTED[:15], *PROTECTED[17:], "Huaxin", "阻焊"]:
        if token not in ("DAP", "CFR", "FCA"):
            assert token in out, token
    assert out.count("\n") == text.count("\n")
    assert "Lötstopplack" not in out


# -- service: cache, pivot, outbound --------------------------------------------------------


def test_cache_hit_skips_backend(
    install: Install, models_dir: Path, factory: sessionmaker[Session]
) -> None:
    install("de_en", "en_zh")
    backend = Counting(ArgosTranslator(models_dir))
    svc = TranslationService(backend, factory, "zh", clock=lambda: NOW)
    text = "Vielen Dank. Bitte senden Sie Muster.\nVielen Dank.\n\nPO-45001"
    first = svc.translate_text(text, "de", "zh")
    assert [(s, t) for s, t, _ in backend.calls] == [("de", "en"), ("en", "zh")]  # pivot
    assert backend.calls[0][2] == ["Vielen Dank.", "Bitte senden Sie Muster."]  # each once
    assert first.endswith("\n\nPO-45001")
    backend.calls.clear()
    assert svc.translate_text(text, "de", "zh") == first
    assert backend.calls == []
    svc.translate_text("Vielen Dank. Neu hier.", "de", "zh")
    assert backend.calls[0][2] == ["Neu hier."]
    with factory() as s:
        rows = s.scalars(select(Translation)).all()
    assert len(rows) == 3
    assert {r.model_version for r in rows} == {
        svc.cache_version(plan(backend.available_pairs(), "de", "zh"))
    }
    assert "+" in rows[0].model_version and rows[0].created_at.replace(tzinfo=UTC) == NOW


def test_missing_pair_names_pair(
    install: Install, models_dir: Path, factory: sessionmaker[Session]
) -> None:
    install("de_en")
    svc = TranslationService(ArgosTranslator(models_dir), factory, "zh")
    with pytest.raises(TranslationError, match="no translation model for de→zh"):
        svc.translate_text("Hallo Welt.", "de", "zh")
    assert svc.translate_text("你好", "zh-cn", "zh") == "你好"


def test_translate_outbound(
    install: Install, models_dir: Path, factory: sessionmaker[Session]
) -> None:
    install("zh_en", "en_de")
    svc = TranslationService(ArgosTranslator(models_dir), factory, "zh")
    draft = "您好，\n\n交期是三周。价格USD 3.20 FOB。\n\n此致"
    original, translated = svc.translate_outbound(draft, "de")
    assert original == draft and translated != draft
    assert "USD 3.20" in translated and "FOB" in translated
    assert translated.count("\n") == draft.count("\n")
    assert svc.translate_outbound(draft, "zh").translated == draft


def test_queue_translates_new_text_only_with_a_real_model_and_honest_states(
    install: Install, models_dir: Path, factory: sessionmaker[Session]
) -> None:
    """The per-reader queue (``inbound``) over tiny Argos models: quoted history is never
    sent to the model, an empty message gives an empty translation, a missing pair is
    ``no_model`` until the model is installed and the queue is asked again."""
    install("de_en", "en_zh")
    backend = Counting(ArgosTranslator(models_dir))
    router = EngineRouter({"argos": backend}, order=["argos"])
    svc = TranslationService(router, factory, "zh", clock=lambda: NOW)
    with transaction(factory) as s:
        s.add(User(email="li@x.test", password_hash="x", role="sales", language="zh",
                   reads="zh", active=True, created_at=NOW))  # fmt: skip
    quoted = "> Am 1. März schrieb Li:\n> Bitte bestätigen Sie den Auftrag."
    de = add_message(factory, 1, "de", "Danke für die PO-45001. Wir liefern bald.", quoted)
    fr = add_message(factory, 2, "fr", "Merci pour la commande.")
    empty = add_message(factory, 3, "de", "")
    assert run_queue(svc, router).translated == 2
    with factory() as s:
        found = {(r.message_id, r.target_lang): r for r in s.scalars(select(MessageTranslation))}
    assert found[(de, "zh")].status == "done" and "PO-45001" in (found[(de, "zh")].body or "")
    assert found[(de, "zh")].engine == "argos de→en + argos en→zh"
    assert get_message(factory, de).quoted_text == quoted  # untouched ...
    assert not any("bestätigen" in t or "schrieb" in t for t in backend.texts)  # ... never sent
    assert found[(empty, "zh")].body == ""
    assert found[(fr, "zh")].status == "no_model"
    assert run_queue(svc, router).translated == 0  # no_model is not retried in a loop
    install("fr_en")
    assert requeue(svc) == 1
    assert run_queue(svc, router).translated == 1
    with factory() as s:
        row = s.scalar(select(MessageTranslation).where(MessageTranslation.message_id == fr))
        assert row is not None and row.status == "done"


def test_build_service_from_settings(
    tmp_path: Path, install: Install, models_dir: Path, factory: sessionmaker[Session]
) -> None:
    install("en_zh")
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "glossary.toml").write_text(GLOSSARY, encoding="utf-8")
    settings = Settings(
        store=StoreSettings(url="sqlite://"),
        team=TeamSettings(language="zh"),
        translation=TranslationSettings(models_dir=str(models_dir), beam_size=1, threads=1),
        rules_dir=str(rules),
    )
    svc = build_service(settings, factory)
    assert svc.glossary.keep == ("Huaxin",)
    assert "阻焊" in svc.translate_text("Solder mask.", "en", "zh")


@pytest.mark.postgres
def test_skip_locked_workers_never_share_a_message(pg_url: str) -> None:
    engine = make_engine(pg_url)
    upgrade(engine)
    factory = session_factory(engine)

    class Slow(Echo):
        def translate_batch(self, texts: Sequence[str], *, source: str, target: str) -> list[str]:
            time.sleep(0.05)
            return [f"{t}!" for t in texts]

    backend = Counting(Slow({("de", "zh")}))
    router = EngineRouter({"argos": backend}, order=["argos"])
    with transaction(factory) as s:
        s.add(User(email="li@x.test", password_hash="x", role="sales", language="zh",
                   reads="zh", active=True, created_at=NOW))  # fmt: skip
    for n in range(12):
        add_message(factory, n, "de", f"Nachricht Nummer {n} hier.", pending=True)
    workers = [TranslationService(router, factory, "zh") for _ in range(3)]
    counts: list[int] = []
    threads = [
        threading.Thread(target=lambda w=w: counts.append(run_queue(w, router, limit=2).translated))
        for w in workers
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    while sum(counts) < 12:  # what the three left, one more pass translates
        counts.append(run_queue(workers[0], router).translated)
    assert sum(counts) == 12
    assert sorted(t for t in backend.texts if t.startswith("Nachricht")) == sorted(
        f"Nachricht Nummer {n} hier." for n in range(12)
    )  # each sentence went to the model exactly once
    with factory() as s:
        done = s.scalar(select(func.count()).where(MessageTranslation.status == "done"))
    assert done == 12
    engine.dispose()


# -- install from the Argos index (local HTTP server) ---------------------------------------


@pytest.fixture
def index_server(tmp_path: Path, packages: dict[str, Path]) -> Iterator[str]:
    root = tmp_path / "www"
    root.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(root))
    )
    base = f"http://127.0.0.1:{server.server_address[1]}"
    index = []
    for name in ("de_en", "en_zh"):
        shutil.copy(packages[name], root / f"{name}.argosmodel")
        a, b = name.split("_")
        links = [f"{base}/missing.argosmodel", f"{base}/{name}.argosmodel"]
        index.append({"from_code": a, "to_code": b, "package_version": "1.0", "links": links})
    index.append({"from_code": "de", "to_code": "en", "package_version": "0.9", "links": ["x"]})
    (root / "index.json").write_text(json.dumps(index))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base
    server.shutdown()
    server.server_close()


def test_install_from_index(index_server: str, models_dir: Path) -> None:
    url = f"{index_server}/index.json"
    installed = install_from_index("de", "zh", models_dir, index_url=url, timeout=5)
    assert [m.pair for m in installed] == [("de", "en"), ("en", "zh")]  # pivot legs
    assert install_from_index("de", "zh", models_dir, index_url=url, timeout=5) == []
    assert cli_install("de", "en", models_dir, index_url=url).startswith("installed de→en 1.0")
    with pytest.raises(TranslationError, match="has no model for fr→zh"):
        install_from_index("fr", "zh", models_dir, index_url=url, timeout=5)
    with pytest.raises(TranslationError, match="HTTP 404"):
        install_from_index("de", "en", models_dir, index_url=f"{index_server}/nope.json")


def test_install_from_index_offline_fails_cleanly(models_dir: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/index.json"  # nothing listens: like being offline
    with pytest.raises(TranslationError, match=r"cannot download .*: network error .*offline\?"):
        install_from_index("de", "zh", models_dir, index_url=url, timeout=5)
    with pytest.raises(TranslationError, match="only http"):
        install_from_index("de", "zh", models_dir, index_url="file:///etc/passwd")
    assert not models_dir.exists() or list(models_dir.iterdir()) == []
