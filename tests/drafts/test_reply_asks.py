"""Drafts answer what the mail asks, in the language it is written in (real store, frozen clock)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import update
from test_drafting import build, store

from mailagent.db import models as m
from mailagent.drafts import service as drafting
from mailagent.drafts.prepare import prepare_for_message

FRIDAY_EVENING = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)  # 17:00 in Shanghai


def draft_for(tmp_path: Path, db_url: str, body: str, **kw: object) -> drafting.DraftDetail:
    app = build(tmp_path, db_url)
    app.clock = lambda: FRIDAY_EVENING
    pk = store(app, 1, sender="Tom Baker <tom@acmerobotics.com>", body=body, **kw)
    (draft_id, *_) = prepare_for_message(app, pk)
    detail = drafting.get_draft(app, draft_id)
    app.close()
    return detail


def test_spanish_mail_gets_a_spanish_reply_answering_each_point(
    tmp_path: Path, db_url: str
) -> None:
    d = draft_for(
        tmp_path,
        db_url,
        "Estimado Kevin,\n\nsomos un fabricante de equipos industriales en Monterrey. "
        "Necesitamos cotización de 500 piezas HX-4L-FR4-1.6. ¿Pueden enviarnos muestras? "
        "También necesitamos la factura proforma y el certificado de origen. "
        "¿Cuál es el plazo de entrega? ¿Pueden fabricar placas con control de impedancia?\n\n"
        "Saludos cordiales\nTomás",
        subject="Solicitud de cotización",
    )
    assert d.summary.language == "es"
    assert "language es: the language the customer wrote in" in d.notes
    body = d.body
    assert "Sobre sus otras consultas:" in body
    # the PI is promised for Monday (Friday 17:00 + one office day), shown in New York time
    assert "- PI: le enviaremos nuestra factura proforma antes del 23/11/2026." in body
    assert "[[SAMPLES / 样品" in body and "[[CO / 原产地证" in body
    assert "«¿Pueden fabricar placas con control de impedancia?» [[ANSWER / 回答]]" in body
    assert "30% de anticipo por T/T, 70% de saldo antes del embarque" in body  # terms in Spanish
    assert "500 uds." in body  # units in Spanish too
    assert any(n.startswith("ask sample:") for n in d.notes)


@pytest.mark.parametrize(
    ("body", "lang", "heading", "closing", "answer"),
    [
        (
            "Prezado Kevin,\n\nsolicitamos uma cotação para 300 peças de HX-2L-FR4-1.6. "
            "Qual o prazo de entrega? Poderiam enviar a fatura comercial?\n\nAtenciosamente\nJoão",
            "pt",
            "Sobre as suas outras perguntas:",
            "Atenciosamente,",
            "- Fatura comercial: é emitida com o embarque",
        ),
        (
            "ケビン様\n\nいつもお世話になっております。HX-4L-FR4-1.6 を 500 枚お見積りください。"
            "サンプルを送っていただけますか。納期はいつでしょうか。\n\nよろしくお願いいたします。",
            "ja",
            "その他のご質問について：",
            "よろしくお願いいたします。",
            "- サンプル: [[SAMPLES / 样品",
        ),
    ],
    ids=["pt", "ja"],
)
def test_portuguese_and_japanese_mail_get_their_language(
    tmp_path: Path, db_url: str, body: str, lang: str, heading: str, closing: str, answer: str
) -> None:
    d = draft_for(tmp_path, db_url, body)
    assert (d.summary.language, d.template) == (lang, f"inquiry/{lang}.txt.j2")
    assert heading in d.body and closing in d.body
    assert answer in d.body  # each ask answered, or visibly left to the salesperson


def test_contact_preference_wins_over_detection(tmp_path: Path, db_url: str) -> None:
    app = build(tmp_path, db_url)
    with app.sessions() as s, s.begin():
        customer = s.query(m.Customer).filter_by(code="ACME").one()
        s.add(m.Contact(customer_id=customer.id, email="tom@acmerobotics.com", language="de"))
    pk = store(app, 1, sender="tom@acmerobotics.com", body="Please quote 500 pcs HX-4L-FR4-1.6.")
    (draft_id,) = prepare_for_message(app, pk)
    d = drafting.get_draft(app, draft_id)
    assert d.summary.language == "de"
    assert "language de: the contact's preference" in d.notes
    assert "500 Stk." in d.body  # units in the draft's language
    with app.sessions() as s, s.begin():
        s.execute(update(m.Contact).values(language=""))
    app.close()


def test_no_template_means_english_with_a_note(tmp_path: Path, db_url: str) -> None:
    d = draft_for(
        tmp_path,
        db_url,
        "Buongiorno Kevin,\n\nvorremmo ricevere un'offerta per 500 pezzi di HX-4L-FR4-1.6. "
        "Quali sono i tempi di consegna? Grazie mille e cordiali saluti.\n\nMarco",
    )
    assert (d.summary.language, d.template) == ("en", "inquiry/en.txt.j2")
    note = next(n for n in d.notes if n.startswith("language it:"))
    assert "note for the approver: no it template" in note and "审核提示" in note
