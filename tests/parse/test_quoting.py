"""Splitting a body into new text, quoted history and signature."""

from __future__ import annotations

import time

import pytest

from mailagent.parse.quoting import split_reply


@pytest.mark.parametrize(
    ("body", "new", "quoted_start"),
    [
        (
            "Please send the PI.\n\nOn Mon, Jan 8, 2024 at 10:00 AM Li Wei <li@f.cn> wrote:\n"
            "> Dear John,\n> attached our quotation.\n",
            "Please send the PI.",
            "On Mon, Jan 8, 2024",
        ),
        (
            "Bitte senden Sie das Angebot.\n\nAm 08.01.2024 um 10:00 schrieb Li Wei <li@f.cn>:\n"
            "> Hallo Hans\n",
            "Bitte senden Sie das Angebot.",
            "Am 08.01.2024",
        ),
        (
            "Confirmamos el pedido.\n\nEl lun, 8 ene 2024 a las 10:00, Li Wei (<li@f.cn>) "
            "escribió:\n> Hola\n",
            "Confirmamos el pedido.",
            "El lun, 8 ene",
        ),
        (
            "Merci pour le devis.\n\nLe lun. 8 janv. 2024 à 10:00, Li Wei <li@f.cn> a écrit :\n"
            "> Bonjour\n",
            "Merci pour le devis.",
            "Le lun. 8 janv.",
        ),
        (
            "見積書を確認しました。\n\n2024年1月8日(月) 10:00 Li Wei <li@f.cn>:\n> 田中様\n",
            "見積書を確認しました。",
            "2024年1月8日",
        ),
        (
            "了解しました。\n\n山田太郎さんは書きました:\n> テスト\n",
            "了解しました。",
            "山田太郎さん",
        ),
        (
            "货已收到。\n\n在 2024年1月8日 10:00，Li Wei <li@f.cn> 写道：\n> 王总您好\n",
            "货已收到。",
            "在 2024年1月8日",
        ),
    ],
)
def test_attribution_lines_in_each_language(body: str, new: str, quoted_start: str) -> None:
    split = split_reply(body)
    assert split.new_text == new
    assert split.quoted_text.startswith(quoted_start)
    assert split.signature == ""


@pytest.mark.parametrize(
    "separator",
    [
        "-----Original Message-----",
        "-----Ursprüngliche Nachricht-----",
        "-----Mensaje original-----",
        "------------------ 原始邮件 ------------------",
        "________________________________",
        "---------- Forwarded message ---------",
    ],
)
def test_separators_cut_the_history(separator: str) -> None:
    body = f"OK, confirmed.\n\n{separator}\nFrom: Li Wei\nSubject: PI 2024-001\n\nDear John"
    split = split_reply(body)
    assert split.new_text == "OK, confirmed."
    assert split.quoted_text.startswith(separator)
    assert split.quoted_text.endswith("Dear John")


@pytest.mark.parametrize(
    "header_block",
    [
        "From: Li Wei <li@f.cn>\nSent: Monday, January 8, 2024 10:00 AM\nTo: John\nSubject: RE: PI",
        "发件人: Li Wei <li@f.cn>\n发送时间: 2024年1月8日 10:00\n收件人: John\n主题: 回复: PI",
        "寄件者: Li Wei\n寄件日期: 2024年1月8日\n收件者: John\n主旨: PI",
        "*From:* Li Wei\n*Sent:* Monday\n*To:* John\n*Subject:* PI",
        "Von: Li Wei\nGesendet: Montag\nAn: Hans\nBetreff: PI",
        "De : Li Wei\nEnvoyé : lundi\nÀ : Pierre\nObjet : PI",
    ],
)
def test_outlook_header_blocks_cut_the_history(header_block: str) -> None:
    split = split_reply(f"Noted with thanks.\n\n{header_block}\n\nOriginal text here")
    assert split.new_text == "Noted with thanks."
    assert split.quoted_text.endswith("Original text here")


def test_a_lone_from_line_is_not_a_header_block() -> None:
    body = "From: our warehouse in Ningbo\nthe goods left yesterday."
    assert split_reply(body).new_text == body


def test_interleaved_replies_keep_the_answers() -> None:
    body = "> Can you do 500 pcs?\nYes, 500 pcs is fine.\n> Delivery?\nIn 30 days.\n"
    split = split_reply(body)
    assert split.new_text == "Yes, 500 pcs is fine.\nIn 30 days."
    assert split.quoted_text == "> Can you do 500 pcs?\n> Delivery?"


def test_bottom_post_after_wrapped_gmail_attribution() -> None:
    body = (
        "On Mon, Jan 8, 2024 at 10:00 AM Li Wei <\nli@factory.cn> wrote:\n"
        "> quoted question\n\nmy answer at the bottom\n"
    )
    split = split_reply(body)
    assert split.new_text == "my answer at the bottom"
    assert "quoted question" in split.quoted_text
    assert "wrote:" in split.quoted_text


def test_rfc3676_signature_delimiter() -> None:
    split = split_reply("Please confirm.\n-- \nJohn Smith\nACME GmbH\n")
    assert split == ("Please confirm.", "", "John Smith\nACME GmbH")


@pytest.mark.parametrize(
    ("signoff", "signature"),
    [
        ("Best regards,", "John Smith\nPurchasing Manager\nACME GmbH\nTel: +49 30 1234567"),
        ("Kind regards", "Maria Lopez\nmaria@example.es"),
        ("Mit freundlichen Grüßen", "Hans Müller\nEinkauf"),
        ("Saludos", "María"),
        ("Atentamente,", "Carlos Ruiz\nImportaciones S.A.\nwww.importaciones.example"),
        ("よろしくお願いいたします。", "田中太郎\n営業部"),
        ("谢谢", "王强\n手机：13800138000"),
        ("Best wishes,", "Anna"),
    ],
)
def test_signoff_signatures(signoff: str, signature: str) -> None:
    split = split_reply(f"Please send the updated PI.\n\n{signoff}\n{signature}\n")
    assert split.new_text == f"Please send the updated PI.\n\n{signoff}"
    assert split.signature == signature


def test_chinese_salutation_pair_stays_in_new_text() -> None:
    split = split_reply("货已收到，质量很好。\n此致\n敬礼\n王强\n上海某某贸易有限公司\n")
    assert split.new_text == "货已收到，质量很好。\n此致\n敬礼"
    assert split.signature == "王强\n上海某某贸易有限公司"


@pytest.mark.parametrize(
    "body",
    [
        # Too long to be a signature block.
        "Best regards,\n" + "\n".join(f"line {i} of a real paragraph" for i in range(12)),
        # A question after the sign-off is content, not a signature.
        "Thanks.\nRegards,\nJohn\nBy the way, can you ship by Friday?",
        # Long prose after the sign-off.
        "Regards,\nThis is a very long line that keeps going and is definitely not a contact "
        "detail of any kind at all.",
        # "谢谢" inside a sentence is not a sign-off.
        "谢谢您的报价，我们会尽快下单。",
    ],
)
def test_signoff_without_signature_like_block_is_kept(body: str) -> None:
    split = split_reply(body)
    assert split.signature == ""
    assert split.new_text == body.strip()


def test_plain_text_without_quotes_is_untouched_and_nothing_is_lost() -> None:
    body = "Line one\r\nLine two\r\n\r\nLine four"
    assert split_reply(body) == ("Line one\nLine two\n\nLine four", "", "")
    complex_body = (
        "Answer\n> q1\nmore\n\nBest regards,\nJohn\n\n-----Original Message-----\nFrom: x\nold"
    )
    split = split_reply(complex_body)
    kept = "\n".join(split).splitlines()
    assert sorted(filter(None, kept)) == sorted(filter(None, complex_body.splitlines()))


def test_huge_body_is_linear() -> None:
    body = "\n".join(f"> quoted line {i}" if i % 3 else f"From: line {i}" for i in range(200_000))
    start = time.perf_counter()
    split = split_reply(body)
    assert time.perf_counter() - start < 5
    assert split.quoted_text


@pytest.mark.parametrize(
    "attribution",
    [
        "Em 18/11/2026 13:05, Ana Souza <ana@nordeste-led.com.br> escreveu:",
        "Il giorno 18/11/2026 13:05 Marco Rossi <m.rossi@esempio.it> ha scritto:",
        "Op 18-11-2026 13:05 schreef Jan de Vries <jan@voorbeeld.nl>:",
        "18.11.2026 13:05, Иван Петров <ivan@primer.ru> написал:",
    ],
)
def test_attributions_in_more_languages(attribution: str) -> None:
    split = split_reply(f"Thanks, confirmed.\n\n{attribution}\n> the old text\n")
    assert split.new_text == "Thanks, confirmed."
    assert split.quoted_text.startswith(attribution)
