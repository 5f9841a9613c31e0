"""Greeting and sign-off removal before intent scoring, in several languages."""

from __future__ import annotations

import pytest

from mailagent.triage.courtesy import strip_courtesy


@pytest.mark.parametrize(
    ("text", "core"),
    [
        (
            "Dear Customer Support Team,\n\nThe printer we bought stopped working.\n\n"
            "Best regards,\nAnna Berg\n+46 8 123 456",
            "The printer we bought stopped working.",
        ),
        (
            "Sehr geehrte Damen und Herren,\nbitte senden Sie uns ein Angebot.\n"
            "Mit freundlichen Grüßen\nHans Maier",
            "bitte senden Sie uns ein Angebot.",
        ),
        ("Bonjour,\nLa facture 12 est fausse.\nCordialement,\nMarie", "La facture 12 est fausse."),
        ("您好，\n请报价。\n谢谢！\n李明", "请报价。"),
        ("Здравствуйте!\nПришлите счёт.\nС уважением,\nИван", "Пришлите счёт."),
        (
            "お世話になっております。\n見積もりをお願いします。\nよろしくお願いいたします。",
            "見積もりをお願いします。",
        ),
        ("Merhaba,\nSiparişimiz nerede?\nSaygılarımla,\nAyşe", "Siparişimiz nerede?"),
        # one-line mail: the salutation up to its comma goes, the rest stays
        (
            "Dear Customer Support, I want to exchange the faulty unit. Thanks, Bob.",
            "I want to exchange the faulty unit. Thanks, Bob.",
        ),
    ],
)
def test_greeting_and_sign_off_are_removed(text: str, core: str) -> None:
    assert strip_courtesy(text) == core


@pytest.mark.parametrize(
    "text",
    [
        "Hi-fi speakers arrived broken.\nPlease replace them.",  # "Hi" inside a word
        "Thank you for the quick delivery.\nHowever, three boxes were damaged.",
        "Regards",  # nothing would be left
        "Please quote 500 pcs.",
    ],
)
def test_content_is_kept(text: str) -> None:
    assert strip_courtesy(text) == text


def test_a_thank_you_sentence_in_the_middle_does_not_cut_the_mail() -> None:
    text = "Hello,\nWe received the goods.\nThank you for the fast shipping.\nBut 3 are cracked."
    assert strip_courtesy(text).endswith("But 3 are cracked.")
