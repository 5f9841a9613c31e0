"""Every message of the shared raw-mail corpus parses or fails cleanly, quickly.

The corpus (library test fixtures of other mail parsers: malformed headers, bogus charsets,
9-level nesting, a 3,000-part message, binary junk) is read in place from
``<checkout>/../shared/eval/raw_mail/fixtures`` and never copied into the repository.
``MANIFEST.jsonl`` next to it describes each file.
"""

from __future__ import annotations

import os
import time
import traceback
from pathlib import Path

import pytest

from mailagent.errors import ParseError
from mailagent.parse.message import parse_message
from mailagent.records import AutoReplyKind, InboundMail

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "eval" / "raw_mail" / "fixtures"
TIME_BOUND_SECONDS = 60.0

pytestmark = pytest.mark.skipif(
    not CORPUS.is_dir() and not os.environ.get("CI"),
    reason=f"raw-mail corpus not found at {CORPUS} (set CI=1 to make its absence an error)",
)


def _files() -> list[Path]:
    assert CORPUS.is_dir(), f"raw-mail corpus missing: {CORPUS}"
    return sorted(p for p in CORPUS.rglob("*") if p.is_file())


def _unstorable(mail: InboundMail) -> list[str]:
    """Fields holding NUL or lone surrogates (raw bytes leaking through as text)."""
    fields: dict[str, str] = {
        "message_id": mail.message_id,
        "subject": mail.subject,
        "text": mail.text,
        "html": mail.html or "",
        "new_text": mail.new_text,
        "headers": "".join(value for _, value in mail.headers),
        "addresses": "".join(
            str(a) for a in (mail.from_, mail.sender, *mail.to, *mail.cc, *mail.reply_to) if a
        ),
        "references": "".join((mail.in_reply_to or "", *mail.references)),
        "filenames": "".join(a.filename + a.content_type for a in mail.attachments),
    }
    return [
        name
        for name, value in fields.items()
        if "\x00" in value or any("\ud800" <= ch <= "\udfff" for ch in value)
    ]


def _parse(relative: str) -> InboundMail:
    return parse_message((CORPUS / relative).read_bytes())


def test_every_corpus_file_parses_or_raises_parse_error() -> None:
    files = _files()
    assert len(files) > 400
    parsed: list[Path] = []
    rejected: list[tuple[Path, str]] = []
    failures: list[str] = []
    start = time.perf_counter()
    for path in files:
        try:
            mail = parse_message(path.read_bytes())
        except ParseError as exc:
            if not str(exc).strip():
                failures.append(f"{path.relative_to(CORPUS)}: ParseError without a reason")
            rejected.append((path, str(exc)))
        except Exception:
            failures.append(f"{path.relative_to(CORPUS)}:\n{traceback.format_exc(limit=-3)}")
        else:
            assert isinstance(mail, InboundMail)
            parsed.append(path)
            if bad := _unstorable(mail):
                failures.append(f"{path.relative_to(CORPUS)}: unstorable text in {bad}")
    elapsed = time.perf_counter() - start
    print(
        f"\nraw-mail corpus: {len(parsed)} parsed, {len(rejected)} ParseError, "
        f"{len(failures)} crashed, {elapsed:.1f}s"
    )
    for path, reason in rejected:
        print(f"  ParseError {path.relative_to(CORPUS)}: {reason}")
    assert not failures, f"{len(failures)} file(s) crashed the parser:\n" + "\n".join(failures)
    assert elapsed < TIME_BOUND_SECONDS
    assert len(parsed) > 0.95 * len(files)


@pytest.mark.parametrize(
    ("relative", "subject", "fragment", "charset"),
    [
        (
            "jstedfast_MimeKit/UnitTests/TestData/messages/japanese.txt",
            "日本語メールテスト (testing Japanese emails)",
            "送れているか",
            "iso2022_jp",
        ),
        (
            "gnu-mailman_osstech-jp-mirror/src/mailman/email/tests/data/bad_email.eml",
            None,
            "РЕКЛАМНАЯ РАССЫЛКА",
            "koi8-r",
        ),
        (
            # Declared us-ascii, really Big5: detected.
            "jhillyerd_enmime/testdata/parts/chardet-success-big-5.raw",
            None,
            "顏之推",
            "big5hkscs",
        ),
        (
            # Declared gb2312, really UTF-8; GBK subject in encoded-words.
            "spamscope_mail-parser/tests/mails/mail_test_12",
            "代开各地增值税发票",
            "增值税发票",
            "utf-8",
        ),
        (
            "mikel_mail/spec/fixtures/emails/multi_charset/japanese_shift_jis.eml",
            None,
            "このメールはテスト用のメールです",
            "cp932",
        ),
        (
            "zbateson_mail-mime-parser/tests/_data/emails/m0006.txt",
            "Die Hasen und die Frösche (Microsoft Outlook 00)",
            "Die Hasen klagten einst über ihre mißliche Lage",
            "utf-7",
        ),
    ],
)
def test_known_files_decode_to_expected_text(
    relative: str, subject: str | None, fragment: str, charset: str
) -> None:
    mail = _parse(relative)
    if subject is not None:
        assert mail.subject == subject
    assert fragment in mail.text
    assert charset in mail.charsets


def test_office365_delivery_report_is_a_bounce() -> None:
    mail = _parse("mailgun_flanker/tests/fixtures/messages/bounce/office365.eml")
    assert mail.auto_reply is AutoReplyKind.BOUNCE
    assert mail.subject == "Undeliverable: test_bounce 8"


def test_three_thousand_part_message_is_fast_and_bounded() -> None:
    start = time.perf_counter()
    mail = _parse("mailgun_flanker/tests/fixtures/messages/enclosed-endless.eml")
    assert time.perf_counter() - start < 5
    assert mail.subject == "Wow"
    assert [a.content_type for a in mail.attachments] == ["message/rfc822"]
    assert mail.attachments[0].size > 2_000_000


def test_binary_outlook_msg_is_rejected_with_reason() -> None:
    with pytest.raises(ParseError, match="no header block"):
        _parse("spamscope_mail-parser/tests/mails/mail_outlook_1")
