"""Ukrainian, and "other language" for languages the stage does not name (never a wrong one)."""

from __future__ import annotations

import pytest

from mailagent.triage.stages.language.detect import ANSWERED, OTHER, detect


@pytest.mark.parametrize(
    "text",
    [
        "Дякуємо за швидку відповідь, рахунок буде сплачено до кінця місяця.",
        "Будь ласка, надішліть нам комерційну пропозицію на тисячу плат.",
        "Ми отримали товар, але частина плат пошкоджена під час доставки.",
        "Коли буде готове наше замовлення і яка дата відвантаження?",
    ],
)
def test_ukrainian_is_not_russian(text: str) -> None:
    info = detect(text)
    assert info.lang == "uk", info


@pytest.mark.parametrize(
    ("text", "nearest"),
    [
        ("La nova llista de preus serà vàlida a partir del mes de març.", "ca"),
        ("Necesitamos unha maneira máis rápida de atender estas peticións.", "gl"),
        ("Mohli by ste ešte raz skontrolovať priložený výkres, prosím?", "sk"),
        ("Itsasontziak bi egun beranduago utzi zuen portua eta ez dakigu zergatik.", "eu"),
        ("Калі ласка, паведаміце мне, калі тавар будзе гатовы да адпраўкі.", "be"),
    ],
)
def test_unnamed_languages_are_other_with_the_nearest_in_the_method(
    text: str, nearest: str
) -> None:
    info = detect(text)
    assert info.lang == OTHER, info
    assert info.method.endswith(f"other-language:{nearest}"), info.method


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Recebemos as suas amostras ontem à tarde e estão em ordem.", "pt"),
        ("Recibimos sus muestras ayer por la tarde y están en orden.", "es"),
        ("We hebben uw monsters gisteren ontvangen en alles is in orde.", "nl"),
        ("Мы получили ваши образцы вчера, всё в порядке, спасибо.", "ru"),
    ],
)
def test_close_relatives_of_other_languages_keep_their_answer(text: str, lang: str) -> None:
    assert detect(text).lang == lang


def test_other_is_not_a_language_code_the_stage_answers() -> None:
    assert OTHER not in ANSWERED and "uk" in ANSWERED and "ca" not in ANSWERED
