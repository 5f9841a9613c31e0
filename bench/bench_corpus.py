"""A varied benchmark corpus: not thousands of near-copies of the 46 demo mails.

``varied_corpus(n)`` mixes, in a fixed pseudo-random order:

* the demo mailbox (real MIME, charsets, attachments, threads), each copy with a new
  Message-ID, a numbered subject and a sender at one of many customer domains. Copies are
  made in *variants* of the mailbox (one per :data:`VARIANT_SIZE` messages of the corpus):
  inside a variant the Message-IDs, In-Reply-To / References and subject reference tokens
  are rewritten consistently, so a variant's copies of a demo thread form one thread of
  one customer, and no two variants share an id or a token. (Before, every copy kept the
  demo's References and tokens, so all copies of a thread from 150 domains joined one
  thread of hundreds of messages, which no mailbox has.)
* generated mail in eight languages: inquiries, orders, complaints, payment notices and
  small talk, with random products, quantities, order numbers and lengths;
* the shared raw-mail fixtures (``/work/shared/eval/raw_mail/fixtures``: parser test
  suites' malformed and exotic messages) and SpamAssassin's easy ham (real mailing-list and
  personal mail from 2002, ``spamassassin_dev/easy_ham``), read in place, never copied
  into the repo.

Every message gets a unique Message-ID starting with ``bench-``.
"""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from mailagent import demo

__all__ = ["VARIANT_SIZE", "varied_corpus"]

RAW_MAIL = Path(__file__).resolve().parents[2] / "shared" / "eval" / "raw_mail"
FIXTURES = RAW_MAIL / "fixtures"
HAM = RAW_MAIL / "spamassassin_dev" / "easy_ham"

PRODUCTS = ["HX-4L-FR4-1.6", "HX-2L-FR4-1.0", "HX-6L-HDI", "HX-AL-1.5", "HX-FLEX-2L"]
TEXTS = {
    "en": [
        (
            "Request for quotation {p}",
            "Dear sales team,\nplease quote {q} pcs of {p}. What is "
            "the lead time and the price for {q2} pcs?\nBest regards\n{n}",
        ),
        (
            "PO {o}",
            "Hello,\nplease find attached our purchase order {o} for {q} pcs {p}. "
            "Kindly confirm delivery date.\nThanks\n{n}",
        ),
        (
            "Complaint about order {o}",
            "We received the boards of order {o} and {q2} pcs are "
            "defective: solder mask peeling, short circuits. We need a replacement urgently.\n{n}",
        ),
        (
            "Payment for invoice {o}",
            "Dear Sir,\nwe have transferred USD {q}.00 for invoice "
            "{o} today, please find the bank slip attached.\nRegards\n{n}",
        ),
        ("Thanks", "Thank you for your help last week, see you at the fair.\n{n}"),
    ],
    "de": [
        (
            "Anfrage {p}",
            "Sehr geehrte Damen und Herren,\nbitte senden Sie uns ein Angebot "
            "für {q} Stück {p}. Wie ist die Lieferzeit?\nMit freundlichen Grüßen\n{n}",
        ),
        (
            "Bestellung {o}",
            "Hiermit bestellen wir {q} Stück {p} gemäß Angebot, Bestellnummer "
            "{o}. Bitte bestätigen Sie den Liefertermin.\n{n}",
        ),
        (
            "Reklamation {o}",
            "Die Lieferung zu Auftrag {o} ist beschädigt angekommen, {q2} "
            "Platinen sind defekt. Bitte um Ersatz.\n{n}",
        ),
    ],
    "es": [
        (
            "Solicitud de cotización {p}",
            "Estimados,\npor favor envíenos una cotización para "
            "{q} piezas de {p}. ¿Cuál es el plazo de entrega?\nSaludos\n{n}",
        ),
        ("Pedido {o}", "Adjunto nuestro pedido {o} por {q} unidades de {p}.\n{n}"),
        (
            "Reclamo pedido {o}",
            "Las placas del pedido {o} llegaron dañadas, {q2} piezas no "
            "funcionan. Necesitamos reemplazo.\n{n}",
        ),
    ],
    "fr": [
        (
            "Demande de prix {p}",
            "Bonjour,\npouvez-vous nous faire une offre pour {q} pièces "
            "de {p} ? Quel est le délai ?\nCordialement\n{n}",
        ),
        ("Commande {o}", "Veuillez trouver notre bon de commande {o} pour {q} pièces.\n{n}"),
    ],
    "pt": [
        (
            "Pedido de cotação {p}",
            "Prezados,\nsolicitamos cotação de {q} peças de {p}. Qual o "
            "prazo de entrega?\nAtenciosamente\n{n}",
        ),
    ],
    "it": [
        (
            "Richiesta di offerta {p}",
            "Buongiorno,\nvi chiediamo un'offerta per {q} pezzi di "
            "{p}. Tempi di consegna?\nCordiali saluti\n{n}",
        ),
    ],
    "zh": [
        ("询价 {p}", "您好，\n请报价 {p} 电路板 {q} 片，交货期多久？\n谢谢\n{n}"),
        ("订单 {o}", "附件是我们的采购订单 {o}，数量 {q} 片，请确认交期。\n{n}"),
        ("投诉：订单 {o} 质量问题", "订单 {o} 的电路板有 {q2} 片不良，阻焊脱落，请尽快处理。\n{n}"),
    ],
    "ja": [
        (
            "見積依頼 {p}",
            "お世話になっております。\n{p} を {q} 枚お見積りください。納期も"
            "お知らせください。\nよろしくお願いいたします。\n{n}",
        ),
    ],
}
VARIANT_SIZE = 200
"""Corpus messages per variant of the demo mailbox (and of the raw-mail fixtures and ham):
about 60 of them are demo copies, so a variant's thread holds a few messages, as a real
customer's conversation does, and the run has ``n / VARIANT_SIZE`` such conversations."""

NAMES = ["Tom Becker", "Ana Ruiz", "Li Wei", "Yuki Sato", "Marc Dubois", "João Silva"]


def _generated(i: int, rng: random.Random) -> bytes:
    lang = rng.choice(list(TEXTS))
    subject, body = rng.choice(TEXTS[lang])
    values = {
        "p": rng.choice(PRODUCTS),
        "q": rng.choice([50, 100, 200, 500, 1000, 5000]),
        "q2": rng.randint(2, 60),
        "o": f"PO-{rng.randint(1000, 99999)}",
        "n": rng.choice(NAMES),
    }
    msg = EmailMessage()
    msg["From"] = f"{values['n']} <buyer{rng.randint(1, 400)}@client{rng.randint(1, 150)}.example>"
    msg["To"] = "sales@huaxin-pcb.com"
    msg["Subject"] = subject.format(**values)
    msg["Date"] = format_datetime(datetime(2026, 11, 1, tzinfo=UTC) + timedelta(minutes=i))
    msg["Message-ID"] = f"<bench-g{i}@bench.test>"
    text = body.format(**values)
    msg.set_content(text + ("\n" + text) * rng.randint(0, 3))
    return msg.as_bytes()


_HEADER_END = re.compile(rb"\r?\n\r?\n")
_MESSAGE_ID = re.compile(rb"(?im)^message-id:[^\r\n]*\r?\n(?:[ \t][^\r\n]*\r?\n)*")
_REFS = re.compile(rb"(?im)^(?:in-reply-to|references):[^\r\n]*(?:\r?\n[ \t][^\r\n]*)*")
_ID = re.compile(rb"<([^<>\s]+)>")
_TOKEN = re.compile(rb"\[(\s*)([A-Z]{2,4})-")  # a reference token's prefix (see threadkeys)


def _letters(v: int) -> bytes:
    """``v`` as two capital letters (AA, AB, ...): a token prefix stays a token prefix."""
    return bytes((65 + v // 26 % 26, 65 + v % 26))


def _renamed(raw: bytes, i: int, rng: random.Random, v: int, seen: dict[bytes, int]) -> bytes:
    """A copy of ``raw`` as message ``i`` of variant ``v``: ids, references and tokens
    rewritten for the variant (``seen`` counts the variant's copies of each id, so a
    second copy of one mail is a resend with its own id), the sender at the variant's
    domain, a numbered subject."""
    cut = _HEADER_END.search(raw)
    head, body = (raw[: cut.start()], raw[cut.start() :]) if cut else (raw, b"")
    found = _MESSAGE_ID.search(head)
    original = _ID.search(found.group(0)) if found else None
    tag = f"bench-v{v}-".encode()
    if original is not None:
        copies = seen.get(original.group(1), 0)
        seen[original.group(1)] = copies + 1
        again = f"{copies}-".encode() if copies else b""
        new_id = b"<" + tag + again + original.group(1) + b">"
    else:
        new_id = f"<bench-{i}@bench.test>".encode()
    if found is not None:
        head = head[: found.start()] + head[found.end() :]
    head = _REFS.sub(
        lambda mo: _ID.sub(lambda r: b"<" + tag + r.group(1) + b">", mo.group(0)), head
    )
    head = re.sub(
        rb"(?im)^subject:([^\r\n]*)",
        lambda mo: (
            b"Subject:"
            + _TOKEN.sub(lambda t: b"[" + t.group(1) + t.group(2) + _letters(v) + b"-", mo.group(1))
            + f" #{i}".encode()
        ),
        head,
        count=1,
    )
    rng.randint(1, 150)  # drawn as before: the seed gives the same mix of mail as it did
    domain = f"client{v % 150 + 1}.example"
    head = re.sub(rb"(?im)^(from:[^\r\n]*@)[a-z0-9.-]+", rb"\g<1>" + domain.encode(), head, count=1)
    return b"Message-ID: " + new_id + b"\r\n" + head + body


def varied_corpus(n: int, seed: int = 18) -> list[bytes]:
    rng = random.Random(seed)
    demo_mails = [p.read_bytes() for p in sorted(demo.mail_dir().glob("*.eml"))]
    fixtures = sorted(p for p in FIXTURES.rglob("*") if p.is_file()) if FIXTURES.is_dir() else []
    ham = sorted(p for p in HAM.iterdir() if p.is_file()) if HAM.is_dir() else []
    out: list[bytes] = []
    seen: dict[bytes, int] = {}
    for i in range(n):
        v = i // VARIANT_SIZE
        if i % VARIANT_SIZE == 0:
            seen = {}  # a new variant: its own ids
        roll = rng.random()
        if roll < 0.45:
            out.append(_generated(i, rng))
        elif roll < 0.75 or not (fixtures and ham):
            out.append(_renamed(rng.choice(demo_mails), i, rng, v, seen))
        elif roll < 0.9:
            out.append(_renamed(rng.choice(ham).read_bytes(), i, rng, v, seen))
        else:
            out.append(_renamed(rng.choice(fixtures).read_bytes(), i, rng, v, seen))
    return out
