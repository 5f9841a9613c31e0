"""Generate ``mailagent/data/intent_corpus.jsonl``, the intent model's training corpus.

    python bench/make_intent_corpus.py [--out PATH] [--seed N] [--check]

Expands the templates of ``corpus_en.py`` and ``corpus_intl.py`` (``[a|b]`` alternatives,
``{slot}`` slots, optional ``SUBJECT :: BODY``) with a fixed seed, adds the hand-written
mails of ``corpus_hand.py``, removes duplicates and writes one JSON object per line:
``{"subject", "text", "label", "lang", "source"}``. The output is deterministic for a seed,
so the shipped file can be checked with ``--check``. This script never reads the
evaluation sets under ``shared/eval``: the corpus is written in the project's own words.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus_en import ACTIONS, B2B, CLOSERS, FRAMES, OPENERS, SLOTS, SUBJECTS, SUPPORT
from corpus_hand import HAND
from corpus_intl import ITEMS, PRODUCTS, TEMPLATES
from corpus_mail import INTENTS, PIECES, PLATFORM_WRAPPERS
from corpus_topics import CONTRACTIONS, PITCH_SUBJECTS, PITCHES, TOPICS
from corpus_topics import FRAMES as TOPIC_FRAMES

OUT = Path(__file__).resolve().parents[1] / "mailagent" / "triage" / "data" / "intent_corpus.jsonl"
SEED = 20260302
MAIL_COUNT = {"en": 160, "de": 130, "es": 110, "fr": 110, "pt": 110, "it": 80}
MAIL_COUNT_OTHER = 50  # ru zh ja ko ar tr
TOPIC_COUNT = {"en": 150, "de": 110, "es": 70, "fr": 70, "pt": 60, "it": 45}
TOPIC_COUNT_OTHER = 35  # ru zh ja ko ar tr
PITCH_COUNT = {"en": 160, "de": 50, "es": 50, "fr": 50, "pt": 40, "it": 30}
PITCH_COUNT_OTHER = 25

INTL_OPENERS: dict[str, list[str]] = {
    "zh": ["", "", "您好，", "你好，", "李经理您好，"],
    "de": ["", "", "Sehr geehrte Damen und Herren,", "Hallo,", "Guten Tag,"],
    "es": ["", "", "Hola,", "Buenos días,", "Estimados señores,"],
    "fr": ["", "", "Bonjour,", "Madame, Monsieur,", "Bonjour {name},"],
    "pt": ["", "", "Olá,", "Bom dia,", "Prezados,"],
    "it": ["", "", "Buongiorno,", "Salve,", "Gentili signori,"],
    "ru": ["", "", "Здравствуйте!", "Добрый день,", "Уважаемые коллеги,"],
    "ja": ["", "", "お世話になっております。", "いつもお世話になっております。"],
}
INTL_CLOSERS: dict[str, list[str]] = {
    "zh": ["", "", "谢谢！", "盼复。", "谢谢，{name}"],
    "de": ["", "", "Vielen Dank.", "Mit freundlichen Grüßen", "Danke und Gruß"],
    "es": ["", "", "Gracias.", "Saludos cordiales.", "Quedo atento."],
    "fr": ["", "", "Merci.", "Cordialement.", "Bien à vous."],
    "pt": ["", "", "Obrigado.", "Atenciosamente.", "Abraços."],
    "it": ["", "", "Grazie.", "Cordiali saluti.", "Distinti saluti."],
    "ru": ["", "", "Спасибо.", "С уважением.", "Заранее спасибо."],
    "ja": ["", "", "よろしくお願いいたします。", "ご確認をお願いいたします。"],
}

_CHOICE = re.compile(r"\[([^\[\]]+)\]")
_SLOT = re.compile(r"\{(\w+)\}")


def expand(template: str, slots: dict[str, list[str]], rng: random.Random) -> str:
    """Fill one template: pick an alternative per ``[a|b]`` and a value per ``{slot}``."""
    text = _CHOICE.sub(lambda m: rng.choice(m.group(1).split("|")), template)
    return _SLOT.sub(lambda m: rng.choice(slots[m.group(1)]), text)


def _message(
    template: str,
    slots: dict[str, list[str]],
    rng: random.Random,
    openers: list[str],
    closers: list[str],
    subjects: list[str],
    subject_rate: float,
) -> tuple[str, str]:
    subject_t, _, body_t = template.rpartition(" :: ")
    if not subject_t and subjects and rng.random() < subject_rate:
        subject_t = rng.choice(subjects)
    body = expand(body_t, slots, rng)
    opener = expand(rng.choice(openers), slots, rng)
    closer = expand(rng.choice(closers), slots, rng)
    text = "\n".join(part for part in (opener, body, closer) if part)
    return expand(subject_t, slots, rng), text


def generate(seed: int = SEED) -> list[dict[str, str]]:
    """All corpus rows for ``seed``, de-duplicated, in a stable order."""
    rng = random.Random(seed)
    rows: list[dict[str, str]] = []
    for label, templates in B2B.items():
        for i, template in enumerate(templates):
            for _ in range(6):
                subject, text = _message(
                    template, SLOTS, rng, OPENERS, CLOSERS, SUBJECTS[label], 0.7
                )
                rows.append(_row(subject, text, label, "en", f"en-b2b-{label}-{i}"))
    for label, templates in SUPPORT.items():
        for i, template in enumerate(templates):
            for _ in range(8):
                subject, text = _message(template, SLOTS, rng, OPENERS, CLOSERS, [], 0.0)
                rows.append(_row(subject, text, label, "en", f"en-support-{label}-{i}"))
                if rng.random() < 0.2:
                    rows.append(_row("", noisy(text, rng), label, "en", f"en-noisy-{label}-{i}"))
    for label, actions in ACTIONS.items():
        for i, action in enumerate(actions):
            for frame in rng.sample(FRAMES, 5):
                sentence = frame.replace("{vp}", action)
                subject, text = _message(
                    sentence[0].upper() + sentence[1:], SLOTS, rng, OPENERS, CLOSERS, [], 0.0
                )
                rows.append(_row(subject, text, label, "en", f"en-action-{label}-{i}"))
                if rng.random() < 0.3:
                    rows.append(_row("", noisy(text, rng), label, "en", f"en-noisy-{label}-{i}"))
    for lang, by_label in TEMPLATES.items():
        slots = {**SLOTS, "product": PRODUCTS[lang], "item": ITEMS[lang]}
        for label, templates in by_label.items():
            for i, template in enumerate(templates):
                for _ in range(5):
                    subject, text = _message(
                        template, slots, rng, INTL_OPENERS[lang], INTL_CLOSERS[lang], [], 0.0
                    )
                    rows.append(_row(subject, text, label, lang, f"{lang}-{label}-{i}"))
    rows.extend(mails(rng))
    rows.extend(topic_mails(rng))
    for i, (lang, label, subject, text) in enumerate(HAND):
        rows.append(_row(subject, text, label, lang, f"hand-{i}"))
    seen: set[tuple[str, str]] = set()
    unique = []
    for row in rows:
        key = (row["subject"], row["text"])
        if key not in seen:
            seen.add(key)
            unique.append(row)
    return unique


def mails(rng: random.Random) -> list[dict[str, str]]:
    """Multi-sentence mails from ``corpus_mail.PIECES`` and platform-wrapped inquiries."""
    rows: list[dict[str, str]] = []
    for lang, parts in PIECES.items():
        slots = {**SLOTS, "product": PRODUCTS.get(lang, SLOTS["product"])}
        slots["item"] = ITEMS.get(lang, SLOTS["item"])
        frame = parts["frame"]
        joiner = "" if lang in ("zh", "ja") else " "
        for label in INTENTS:
            own = parts[label]
            for _ in range(MAIL_COUNT.get(lang, MAIL_COUNT_OTHER)):
                body = rng.sample(own["core"], min(len(own["core"]), rng.choice((1, 1, 2))))
                body.append(rng.choice(own["ask"]))
                if rng.random() < 0.25:
                    body.append(rng.choice(own["ask"]))
                body += rng.sample(frame["neutral"], rng.choice((0, 1, 1, 2)))
                rng.shuffle(body)
                lines = [rng.choice(frame["open"]), joiner.join(dict.fromkeys(body))]
                if rng.random() < 0.8:
                    lines.append(rng.choice(frame["close"]))
                text = expand("\n\n".join(lines), slots, rng)
                subject = expand(rng.choice(own["subj"]), slots, rng) if rng.random() < 0.9 else ""
                rows.append(_row(subject, text, label, lang, f"mail-{lang}-{label}"))
    inquiry_langs = ("en", "de", "es", "fr", "pt", "it", "ru", "tr")
    for i in range(120):
        subject_t, body_t = PLATFORM_WRAPPERS[i % len(PLATFORM_WRAPPERS)]
        lang = inquiry_langs[i % len(inquiry_langs)]
        own = PIECES[lang]["inquiry"]
        message = " ".join([rng.choice(own["core"]), rng.choice(own["ask"])])
        slots = {**SLOTS, "message": [message]}
        text = expand(body_t, slots, rng)
        rows.append(_row(expand(subject_t, slots, rng), text, "inquiry", lang, "mail-platform"))
    return rows


def topic_mails(rng: random.Random) -> list[dict[str, str]]:
    """Mails from ``corpus_topics``: the same question frames around each intent's topics."""
    rows: list[dict[str, str]] = []
    for lang, frames in TOPIC_FRAMES.items():
        slots = {**SLOTS, "product": PRODUCTS.get(lang, SLOTS["product"])}
        slots["item"] = ITEMS.get(lang, SLOTS["item"])
        frame = PIECES[lang]["frame"]
        joiner = "" if lang in ("zh", "ja") else " "
        for label, topics in TOPICS[lang].items():
            for _ in range(TOPIC_COUNT.get(lang, TOPIC_COUNT_OTHER)):
                chosen = rng.sample(topics, min(len(topics), rng.choice((1, 1, 1, 2))))
                body = [
                    _contract(lang, rng.choice(frames["ask"]).replace("{t}", t)) for _, t in chosen
                ]
                body += rng.sample(frame["neutral"], rng.choice((0, 1, 1, 2)))
                rng.shuffle(body)
                lines = [joiner.join(dict.fromkeys(body))]
                if rng.random() < 0.7:
                    lines.insert(0, rng.choice(frame["open"]))
                    if rng.random() < 0.8:
                        lines.append(rng.choice(frame["close"]))
                text = expand("\n\n".join(lines), slots, rng)
                subject = ""
                if rng.random() < 0.85:
                    noun = chosen[0][0]
                    subject = rng.choice(frames["subj"]).replace("{s}", noun)
                    subject = expand(subject[:1].upper() + subject[1:], slots, rng)
                rows.append(_row(subject, text, label, lang, f"topic-{lang}-{label}"))
    for lang, pitches in PITCHES.items():
        frame = PIECES[lang]["frame"]
        joiner = "" if lang in ("zh", "ja") else " "
        for _ in range(PITCH_COUNT.get(lang, PITCH_COUNT_OTHER)):
            body = rng.sample(pitches, min(len(pitches), rng.choice((2, 3, 4))))
            lines = [joiner.join(body)]
            if rng.random() < 0.5:
                lines.insert(0, rng.choice(frame["open"]))
            text = expand("\n\n".join(lines), SLOTS, rng)
            subject = rng.choice(PITCH_SUBJECTS[lang]) if rng.random() < 0.9 else ""
            rows.append(_row(subject, text, "other", lang, f"pitch-{lang}"))
    return rows


def _contract(lang: str, sentence: str) -> str:
    for pattern, replacement in CONTRACTIONS.get(lang, ()):
        sentence = re.sub(pattern, replacement, sentence)
    return sentence


def noisy(text: str, rng: random.Random) -> str:
    """A chat-style copy: lower-case, no final punctuation, one or two typos in long words."""
    words = text.lower().rstrip(".!?").split(" ")
    long_words = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    for i in rng.sample(long_words, min(len(long_words), rng.choice((1, 2)))):
        w = list(words[i])
        j = rng.randrange(1, len(w) - 1)
        kind = rng.random()
        if kind < 0.4:
            w[j], w[j + 1] = w[j + 1], w[j]  # swap
        elif kind < 0.7:
            del w[j]  # drop
        else:
            w.insert(j, w[j])  # double
        words[i] = "".join(w)
    return " ".join(words)


def _row(subject: str, text: str, label: str, lang: str, source: str) -> dict[str, str]:
    return {"subject": subject, "text": text, "label": label, "lang": lang, "source": source}


def render(rows: list[dict[str, str]]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--check", action="store_true", help="fail if the file is stale")
    args = parser.parse_args(argv)
    rows = generate(args.seed)
    content = render(rows)
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != content:
            print(f"{args.out} is stale: run python bench/make_intent_corpus.py")
            return 1
        print(f"{args.out} is up to date ({len(rows)} rows)")
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(content, encoding="utf-8")
    labels = Counter(row["label"] for row in rows)
    langs = Counter(row["lang"] for row in rows)
    print(f"wrote {len(rows)} rows to {args.out}")
    print("labels:", ", ".join(f"{k} {v}" for k, v in sorted(labels.items())))
    print("languages:", ", ".join(f"{k} {v}" for k, v in langs.most_common()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
