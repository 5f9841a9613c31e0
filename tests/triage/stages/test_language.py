"""Tests for the language stage: sentences right, short or ambiguous text abstains."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from mailagent.records import InboundMail
from mailagent.triage.stages.language import cyrillic as langcyrillic
from mailagent.triage.stages.language import detect as language
from mailagent.triage.stages.language import latin as langlatin
from mailagent.triage.stages.language.detect import UNKNOWN, detect

MakeMail = Callable[..., InboundMail]

SENTENCES = [
    ("en", "Could you please send us your best price for 5,000 pcs of the 4-layer board?"),
    ("de", "Könnten Sie uns bitte ein Angebot für die Leiterplatten schicken? Vielen Dank."),
    ("es", "Buenos días, necesitamos una cotización para las placas de circuito impreso."),
    ("fr", "Bonjour, pouvez-vous nous envoyer votre meilleur prix pour ces cartes ?"),
    ("pt", "Bom dia, gostaríamos de receber uma cotação para as placas de circuito."),
    ("it", "Buongiorno, potete inviarci la vostra migliore offerta per questi circuiti?"),
    ("nl", "Goedemorgen, kunt u ons een offerte sturen voor deze printplaten?"),
    ("pl", "Dzień dobry, proszę o przesłanie oferty cenowej na te płytki drukowane."),
    ("tr", "Merhaba, bu devre kartları için en iyi fiyatınızı gönderebilir misiniz?"),
    ("vi", "Xin chào, vui lòng gửi cho chúng tôi báo giá cho bảng mạch này."),
    ("ru", "Здравствуйте, пришлите, пожалуйста, коммерческое предложение на платы."),
    ("uk", "Доброго дня, надішліть, будь ласка, комерційну пропозицію на плати."),
    ("zh", "您好，请帮我们报一下这款四层板的价格，谢谢。"),
    ("ja", "お世話になっております。こちらの基板の見積もりをお願いいたします。"),
    ("ko", "안녕하세요, 이 회로 기판의 견적을 보내 주시겠습니까?"),
    ("ar", "مرحبا، يرجى إرسال عرض سعر لهذه اللوحات الإلكترونية."),
    ("el", "Καλημέρα, παρακαλώ στείλτε μας την προσφορά σας."),
    ("he", "שלום, אנא שלחו לנו הצעת מחיר עבור הלוחות."),
    ("th", "สวัสดีครับ กรุณาส่งใบเสนอราคาให้เราด้วย"),
]


@pytest.mark.parametrize(("lang", "text"), SENTENCES, ids=[lang for lang, _ in SENTENCES])
def test_sentences_are_detected(lang: str, text: str) -> None:
    info = detect(text)
    assert info.lang == lang, info
    assert info.confidence > 0.5
    assert info.method


@pytest.mark.parametrize(
    "text", ["OK", "PO-45001", "", "   ", "HX-4L-FR4-1.6 x 500", "ok.", "10/03"]
)
def test_short_or_code_only_text_is_unknown(text: str) -> None:
    assert detect(text).lang == UNKNOWN


def test_part_numbers_urls_and_addresses_are_ignored() -> None:
    text = (
        "Bitte senden Sie uns das Angebot für HX-4L-FR4-1.6 an einkauf@kunde.de, "
        "Zeichnungen unter https://example.com/files/HX-4L.zip"
    )
    assert detect(text).lang == "de"
    cleaned = language.clean(text)
    assert "HX" not in cleaned and "@" not in cleaned and "https" not in cleaned


def test_chinese_variant_is_recorded_in_method() -> None:
    assert detect("請幫我們報價，謝謝").method == "script:hant"
    assert detect("请帮我们报价，谢谢").method == "script:hans"


def test_kana_makes_japanese_even_with_kanji() -> None:
    assert detect("注文書を送付します。").lang == "ja"


def test_cyrillic_letter_cues() -> None:
    assert detect("Дякуємо за швидку відповідь").lang == "uk"
    assert detect("Спасибо за быстрый ответ").lang == "ru"
    assert detect("Благодарим за бързия отговор, ще платим утре").lang == "bg"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("делается", "ru"),  # reflexive -ся
        ("остался", "ru"),
        ("русский", "ru"),  # adjective -кий
        ("новият", "bg"),  # definite -ият
        ("готовност", "bg"),  # Russian: готовность
        ("нещо", "bg"),
        ("доставчици", "bg"),  # Russian plural: -цы
        ("направихме", "bg"),  # aorist
        ("когда", "ru"),  # words of one language only
        ("тези", "bg"),
        ("плащ", None),  # a Russian word with a Bulgarian ending
        ("что това", None),  # conflicting cues
        ("директор", None),
    ],
)
def test_cyrillic_hard_cues(text: str, lang: str | None) -> None:
    assert langcyrillic.hard_cue(text) == lang


def test_cyrillic_soft_cues_lean_the_right_way() -> None:
    assert langcyrillic.evidence("новому заказу") > 0  # dative endings
    assert langcyrillic.evidence("главная партия") > 0  # adjective -ная
    assert langcyrillic.evidence("Очакваме") < 0  # 1st plural -аме
    assert langcyrillic.evidence("по-добра цена") < 0  # comparison with по-
    assert langcyrillic.evidence("мястото") < 0  # definite article
    assert langcyrillic.evidence("директор") == 0


@pytest.mark.parametrize(
    "text",
    ["Директор на совещании.", "Партия отгружена вчера.", "Мы получили вашу посылку."],
)
def test_russian_without_letter_cues(text: str) -> None:
    assert detect(text).lang == "ru"


BULGARIAN = [
    "Кога ще бъде готова пратката?",
    "Моля, изпратете ни оферта за тези платки.",
    "Очакваме вашия отговор.",
    "Плащането е направено вчера.",
    "Стоката пристигна повредена.",
    "Фактурата е неправилна.",
    "Трябва ни по-добра цена.",
    "Документите са готови.",
    "Мислим, че цената е висока.",
    "Колко струва доставката?",
    "Нашият клиент иска нова доставка.",
]


@pytest.mark.parametrize("text", BULGARIAN)
def test_bulgarian_is_not_taken_for_russian(text: str) -> None:
    assert detect(text).lang == "bg"


def test_spanish_portuguese_spelling_breaks_ties_only_between_them() -> None:
    tie = (("pt", -10.0), ("es", -10.5), ("it", -30.0))
    assert langlatin.adjust(tie, ["nuevo", "imagen"])[0][0] == "es"  # ue, -n
    assert langlatin.adjust(tie, ["novo", "imagem"])[0][0] == "pt"  # -m
    assert langlatin.adjust(tie, ["ninho", "ilha"])[0][0] == "pt"  # nh, lh
    other = (("it", -10.0), ("es", -10.5), ("pt", -30.0))
    assert langlatin.adjust(other, ["nuevo", "imagen"]) == other


def test_names_weigh_less_than_the_words_around_them() -> None:
    assert detect("Pedimos el catálogo de Müller Schneider Brückner").lang == "es"


def test_spanish_without_accents() -> None:
    assert detect("Tambien queremos saber si el precio esta bien asi").lang == "es"
    assert detect("Gracias por la informacion, lo revisamos manana").lang == "es"


def test_mixed_scripts_abstain_with_candidates() -> None:
    info = detect("Dear Sir 请报价 thanks 谢谢 quotation 价格")
    assert info.lang == UNKNOWN
    assert info.method == "mixed-script"
    assert info.candidates


def test_single_ambiguous_word_abstains_with_candidates() -> None:
    info = detect("Material")
    assert info.lang == UNKNOWN
    assert info.candidates  # still says what it might be


def test_deterministic_over_repeated_and_concurrent_calls() -> None:
    texts = [text for _, text in SENTENCES] + ["pedido", "Bestellung bitte", "merci"]
    first = [detect(text) for text in texts]
    assert [detect(text) for text in texts] == first
    results: list[list[object]] = []

    def worker() -> None:
        results.append([detect(text) for text in texts])

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(result == first for result in results)


def test_run_ignores_quoted_history_and_signature(make_mail: MakeMail) -> None:
    mail = make_mail(
        "Re: Angebot",
        "Gracias, confirmamos el pedido y enviaremos la orden de compra mañana.",
        quoted="> Sehr geehrte Damen und Herren, anbei unser Angebot für die Leiterplatten. " * 5,
        signature="Mit freundlichen Grüßen\nHans Müller",
    )
    assert language.run(mail).lang == "es"


def test_run_falls_back_to_subject_without_quoted_text(make_mail: MakeMail) -> None:
    quoted = "> Bonjour, veuillez trouver ci-joint notre offre pour les cartes électroniques."
    mail = make_mail(
        "Bitte um Rückruf wegen der Lieferung nächste Woche", "", quoted=quoted, new_text=""
    )
    assert language.source_text(mail).count("Bonjour") == 0
    assert language.run(mail).lang == "de"


def test_margin_schedule() -> None:
    assert language.required_margin(5) > language.required_margin(20)
    assert language.required_margin(200) == language.MIN_MARGIN
    # A lone word needs more than two words of the same length, more words need less.
    assert language.required_margin(12, 1) > language.required_margin(12, 2)
    assert language.required_margin(12, 2) > language.required_margin(12, 3)
    # Two Cyrillic candidates need less than 24 Latin ones.
    assert language.cyrillic_margin(12, 2) < language.required_margin(12, 2)
    assert language.cyrillic_margin(200, 30) == language.CYRILLIC_MIN_MARGIN


@pytest.mark.parametrize(
    "run",
    ["x" * 300_000, "ab1" * 100_000, "a.b+" * 75_000, "字" * 300_000],
    ids=["letters", "digits", "address-chars", "cjk"],
)
def test_a_long_unbroken_run_is_cleaned_in_linear_time(run: str) -> None:
    """A base64 line or a hostile run of one letter: the address and digit patterns used
    to be retried from every position (300,000 characters took minutes; a megabyte,
    hours), which hung triage and the draft page. Linear now: well under a second."""
    from time import perf_counter

    from mailagent.triage.stages.language.script import clean

    started = perf_counter()
    clean(f"Dear Tom, {run} tom@example.com PO-4500 thanks")
    assert perf_counter() - started < 5.0
    started = perf_counter()
    info = detect(f"Dear Tom,\n{run}\nMARKER-END")  # reads the first DETECT_CHARS only
    assert perf_counter() - started < 5.0
    assert info.lang  # an answer, whatever it is


def test_addresses_and_numbers_are_still_dropped_before_scoring() -> None:
    from mailagent.triage.stages.language.script import clean

    assert clean("write to tom.lee+rfq@acme-robotics.co.uk about PO-4500118999/2 today") == (
        "write to about today"
    )
