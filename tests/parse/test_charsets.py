"""Charset decoding: label normalisation, mislabelled bodies, RFC 2047 header words."""

from __future__ import annotations

import base64
import random

import pytest

from mailagent.parse.charguess import guess_legacy, looks_legacy_multibyte
from mailagent.parse.charsets import decode_8bit, decode_bytes, decode_header, normalize_charset

CHINESE = "您好，请问这款产品的最低价格是多少？我们需要五千件。"
TRADITIONAL = "您好，請問這款產品的最低價格是多少？"
JAPANESE = "お世話になっております。見積書を送ります。"
RUSSIAN = "Здравствуйте, мы хотим купить ваш товар. Пришлите цену."
KOREAN = "안녕하세요, 제품 가격을 알려 주시겠습니까? 감사합니다."


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("gb2312", "gb18030"),
        ("GBK", "gb18030"),
        ("big5", "big5hkscs"),
        ("ks_c_5601-1987", "cp949"),
        ("euc-kr", "cp949"),
        ("Shift_JIS", "cp932"),
        ("iso-8859-1", "cp1252"),
        ("latin1", "cp1252"),
        ("unicode-1-1-utf-7", "utf-7"),
        ("windows-1251", "cp1251"),
        ("koi8-r", "koi8-r"),
        ("ISO-2022-JP", "iso2022_jp"),
        ('"UTF-8"\r\n', "utf-8"),
        ("charset=us-ascii", "ascii"),
    ],
)
def test_normalize_maps_labels_to_superset_codecs(label: str, codec: str) -> None:
    assert normalize_charset(label) == codec


@pytest.mark.parametrize(
    "label", ["x-unknown", "unknown-8bit", "us-askey", "rot13", "zlib", "idna", "", None]
)
def test_normalize_rejects_bogus_and_non_text_codecs(label: str | None) -> None:
    assert normalize_charset(label) is None


@pytest.mark.parametrize(
    ("text", "label", "codec"),
    [
        ("朱镕基访问了工厂", "gb2312", "gb18030"),  # 镕 is GBK, not GB2312
        (TRADITIONAL, "big5", "big5hkscs"),
        (JAPANESE, "iso-2022-jp", "iso2022_jp"),
        ("①番の見積書です", "shift_jis", "cp932"),  # ① exists only in Microsoft's cp932
        (RUSSIAN, "koi8-r", "koi8-r"),
        (RUSSIAN, "windows-1251", "cp1251"),
        (KOREAN, "ks_c_5601-1987", "cp949"),
        ("Grüße, 你好 +plus", "utf-7", "utf-7"),
        ("“Smart quotes” – and €", "iso-8859-1", "cp1252"),
    ],
)
def test_declared_charsets_decode_exactly(text: str, label: str, codec: str) -> None:
    decoded = decode_bytes(text.encode(codec), label)
    assert decoded.text == text
    assert decoded.charset == codec
    assert decoded.defect is None


def test_latin1_label_on_gbk_bytes_is_detected_with_defect() -> None:
    decoded = decode_bytes(CHINESE.encode("gbk"), "iso-8859-1")
    assert decoded.text == CHINESE
    assert decoded.charset == "gb18030"
    assert decoded.defect is not None and "iso-8859-1" in decoded.defect


@pytest.mark.parametrize(
    ("text", "encoding", "codec"),
    [
        (TRADITIONAL, "big5", "big5hkscs"),
        (JAPANESE, "cp932", "cp932"),
        (RUSSIAN, "cp1251", "cp1251"),
        (RUSSIAN, "koi8-r", "koi8-r"),
        (KOREAN, "euc-kr", "cp949"),
    ],
)
def test_latin1_label_on_other_legacy_bytes(text: str, encoding: str, codec: str) -> None:
    decoded = decode_bytes(text.encode(encoding), "iso-8859-1")
    assert (decoded.text, decoded.charset) == (text, codec)
    assert decoded.defect


@pytest.mark.parametrize(
    "text",
    [
        "Grüße aus München, wir möchten 500 Stück bestellen.",
        "Informação: ação de promoção até amanhã.",
        "Ça coûte très cher, señor. Københavns Å.",
    ],
)
def test_real_western_text_is_not_mistaken_for_cjk(text: str) -> None:
    decoded = decode_bytes(text.encode("latin-1"), "iso-8859-1")
    assert decoded.text == text
    assert decoded.defect is None


def test_utf8_bytes_under_a_legacy_label_are_utf8() -> None:
    for label in ("iso-8859-1", "gb2312", "us-ascii", "windows-1251"):
        decoded = decode_bytes("Grüße 您好".encode(), label)
        assert decoded.text == "Grüße 您好"
        assert decoded.charset == "utf-8"
        assert decoded.defect is not None and "UTF-8" in decoded.defect


@pytest.mark.parametrize("label", ["x-unknown", "unknown-8bit", "fakescii", None])
def test_bogus_labels_fall_back_to_detection(label: str | None) -> None:
    utf8 = decode_bytes("Price: 12 €, délai 3 semaines".encode(), label)
    assert utf8.text == "Price: 12 €, délai 3 semaines"
    assert utf8.charset == "utf-8"
    gbk = decode_bytes(CHINESE.encode("gb18030"), label)
    assert gbk.text == CHINESE
    assert gbk.defect is not None


def test_ascii_content_under_bogus_label_is_ascii_with_defect() -> None:
    decoded = decode_bytes(b"plain words", "x-unknown")
    assert (decoded.text, decoded.charset) == ("plain words", "ascii")
    assert decoded.defect is not None and "x-unknown" in decoded.defect
    assert decode_bytes(b"plain words", None).defect is None


def test_truncated_multibyte_keeps_declared_charset() -> None:
    data = CHINESE.encode("gbk")[:-1]  # cut inside the last character
    decoded = decode_bytes(data, "gb2312")
    assert decoded.charset == "gb18030"
    assert decoded.text.startswith(CHINESE[:-1])
    assert decoded.defect is not None and "replaced" in decoded.defect


def test_decode_bytes_never_raises_on_random_bytes() -> None:
    rng = random.Random(20240601)
    labels = ["utf-8", "gb2312", "big5", "iso-2022-jp", "utf-7", "x-unknown", None, "utf-16"]
    for _ in range(200):
        data = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300)))
        for label in labels:
            decoded = decode_bytes(data, label)
            assert isinstance(decoded.text, str)
            assert not any("\udc80" <= ch <= "\udcff" for ch in decoded.text)


def test_short_gbk_words_beat_korean_reading() -> None:
    assert guess_legacy("报价单".encode("gbk"), threshold=0.6) == ("报价单", "gb18030")
    assert looks_legacy_multibyte("报价单".encode("gbk"))
    assert not looks_legacy_multibyte("Grüße".encode("latin-1"))


# --- RFC 2047 ------------------------------------------------------------------------------


def _b(text: str, charset: str) -> str:
    return f"=?{charset}?B?{base64.b64encode(text.encode(charset)).decode()}?="


def test_header_gb2312_label_with_gbk_character() -> None:
    assert decode_header(_b("朱镕基的报价", "gbk").replace("gbk", "gb2312")).text == "朱镕基的报价"


def test_header_multibyte_character_split_across_words() -> None:
    data = "价格".encode()
    first = base64.b64encode(data[:2]).decode()
    second = base64.b64encode(data[2:]).decode()
    result = decode_header(f"=?utf-8?B?{first}?=\r\n =?utf-8?B?{second}?=")
    assert result.text == "价格"
    assert result.defects == ()


def test_header_whitespace_between_words_dropped_but_literal_kept() -> None:
    value = f"Re: {_b('你', 'utf-8')} {_b('好', 'utf-8')} world =?iso-8859-1?q?caf=E9_au_lait?="
    assert decode_header(value).text == "Re: 你好 world café au lait"


def test_header_mislabelled_encoded_word_is_repaired() -> None:
    value = f"=?iso-8859-1?B?{base64.b64encode('Grüße 您好'.encode()).decode()}?="
    result = decode_header(value)
    assert result.text == "Grüße 您好"
    assert any("UTF-8" in d for d in result.defects)


def test_header_missing_base64_padding_and_unknown_label() -> None:
    assert decode_header("=?utf-8?B?5L2g5aW9?=").text == "你好"
    assert decode_header("=?utf-8?B?5L2g5aW9").text == "=?utf-8?B?5L2g5aW9"  # unterminated: kept
    result = decode_header(f"=?x-unknown?B?{base64.b64encode('你好世界'.encode()).decode()}?=")
    assert result.text == "你好世界"
    assert result.defects


def test_header_iso2022jp_subject() -> None:
    value = (
        "=?ISO-2022-JP?B?GyRCRnxLXDhsJWEhPCVrJUYlOSVIGyhCICh0ZXN0aW5nIEph?=\r\n"
        " =?ISO-2022-JP?B?cGFuZXNlIGVtYWlscyk=?="
    )
    assert decode_header(value).text == "日本語メールテスト (testing Japanese emails)"


def test_header_raw_8bit_bytes() -> None:
    raw_utf8 = "报价单 Grüße".encode().decode("ascii", "surrogateescape")
    assert decode_header(raw_utf8).text == "报价单 Grüße"
    raw_gbk = "报价单和样品".encode("gbk").decode("ascii", "surrogateescape")
    assert decode_8bit(raw_gbk, "gb2312") == ("报价单和样品", "gb18030")
    assert decode_8bit(raw_gbk)[0] == "报价单和样品"  # no hint: scored as GBK
    raw_latin = "Jürgen".encode("latin-1").decode("ascii", "surrogateescape")
    assert decode_8bit(raw_latin) == ("Jürgen", "cp1252")


def test_header_8bit_inside_encoded_word_uses_its_charset() -> None:
    value = "Heinz =?iso-8859-1?Q?M\udcfcller?= <mueller@example.com>"
    assert decode_header(value).text == "Heinz Müller <mueller@example.com>"
