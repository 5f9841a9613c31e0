"""The bundled demo data (mailagent/demo) is well-formed, consistent and covers what it claims.

The README table in ``mailagent/demo/README.md`` is the ground truth other tests build on, so
these tests also check that it matches the .eml files byte for byte where it can (file names,
senders, Message-IDs, dates) and that the coverage it promises holds.
"""

from __future__ import annotations

import csv
import email
import email.policy
import re
from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from email.message import EmailMessage
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from mailagent.demo import archive_dir, mail_dir

README = Path(mail_dir()).parent / "README.md"
TODAY = date(2026, 11, 20)
STAFF = {"sales@huaxin-pcb.com", "lily.chen@huaxin-pcb.com", "kevin.wang@huaxin-pcb.com"}
SALESPEOPLE = {"lily.chen@huaxin-pcb.com", "kevin.wang@huaxin-pcb.com"}
FREEMAIL = {"gmail.com", "163.com", "qq.com", "126.com", "outlook.com", "hotmail.com", "yahoo.com"}
INTENTS = {"inquiry", "order", "complaint", "payment", "other", "autoreply", "bounce"}
HEADERS = {
    "customers.csv": [
        "code",
        "name",
        "country",
        "timezone",
        "language",
        "domains",
        "salesperson",
        "status",
    ],
    "contacts.csv": ["customer_code", "name", "email", "phone", "role"],
    "orders.csv": [
        "order_no",
        "customer_code",
        "customer_po",
        "pi_number",
        "status",
        "currency",
        "amount",
        "order_date",
        "due_date",
        "paid_amount",
    ],
    "pricelist.csv": [
        "product_code",
        "description",
        "unit",
        "currency",
        "moq",
        "lead_time_days",
        "validity_days",
        "break_qty",
        "unit_price",
    ],
}
ORDER_STATUSES = {
    "quoted",
    "confirmed",
    "in_production",
    "shipped",
    "delivered",
    "closed",
    "cancelled",
}


# ----------------------------------------------------------------------------- helpers
def eml_files() -> list[Path]:
    return sorted(mail_dir().glob("*.eml"))


@cache
def parsed(name: str) -> EmailMessage:
    raw = (mail_dir() / name).read_bytes()
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def ids(value: str | None) -> list[str]:
    return re.findall(r"<([^<>\s]+)>", value or "")


def msgid(msg: EmailMessage) -> str:
    found = ids(str(msg["Message-ID"]))
    assert len(found) == 1, msg["Message-ID"]
    return found[0]


def addresses(msg: EmailMessage, *names: str) -> set[str]:
    out: set[str] = set()
    for name in names:
        for value in msg.get_all(name, []):
            out.update(a.addr_spec.lower() for a in value.addresses)
    return out


def texts(msg: EmailMessage) -> str:
    """Subject plus every decoded text/* part (attachments excluded)."""
    chunks = [str(msg["Subject"] or "")]
    for part in msg.walk():
        if part.is_multipart() or part.get_filename():
            continue
        if part.get_content_maintype() == "text":
            assert isinstance(part, EmailMessage)
            chunks.append(part.get_content())
    return "\n".join(chunks)


@cache
def readme_rows() -> list[dict[str, str]]:
    lines = README.read_text(encoding="utf-8").splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("| file | from |"))
    header = [c.strip() for c in lines[start].strip("|").split("|")]
    rows = []
    for ln in lines[start + 2 :]:
        if not ln.startswith("|"):
            break
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", ln.strip().strip("|"))]
        assert len(cells) == len(header), ln
        row = dict(zip(header, cells, strict=True))
        row["file"] = row["file"].strip("`")
        row["message-id"] = row["message-id"].strip("`").strip("<>")
        rows.append(row)
    return rows


def read_csv(name: str) -> list[dict[str, str]]:
    with (archive_dir() / name).open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == HEADERS[name]
        return list(reader)


# ----------------------------------------------------------------------------- messages
def test_package_locates_folders() -> None:
    assert mail_dir().is_dir()
    assert archive_dir().is_dir()
    assert README.is_file()


def test_at_least_36_messages() -> None:
    assert len(eml_files()) >= 36


def test_file_names_and_sizes() -> None:
    total = 0
    for path in eml_files():
        assert re.fullmatch(r"\d{3}-[a-z0-9-]+\.eml", path.name), path.name
        size = path.stat().st_size
        assert size < 60 * 1024, path.name
        total += size
    assert total < 600 * 1024


@pytest.mark.parametrize("path", eml_files(), ids=lambda p: p.name)
def test_message_parses_with_required_headers(path: Path) -> None:
    msg = parsed(path.name)
    assert msg["From"] is not None and msg["From"].addresses
    assert msg["Date"] is not None
    when = msg["Date"].datetime
    assert isinstance(when, datetime) and when.tzinfo is not None
    assert (
        datetime(2026, 9, 1, tzinfo=when.tzinfo)
        <= when
        < datetime(2026, 11, 20, tzinfo=when.tzinfo)
    )
    assert msgid(msg)
    assert msg["Subject"] is not None
    texts(msg)  # every text part decodes without raising
    for part in msg.walk():
        if part.get_filename():
            assert part.get_payload(decode=True), (path.name, part.get_filename())


def test_message_ids_unique() -> None:
    all_ids = [msgid(parsed(p.name)) for p in eml_files()]
    assert len(all_ids) == len(set(all_ids))


def test_reply_headers_point_into_the_set() -> None:
    known = {msgid(parsed(p.name)) for p in eml_files()}
    replies = 0
    for path in eml_files():
        msg = parsed(path.name)
        irt = ids(msg["In-Reply-To"])
        refs = ids(msg["References"])
        if irt:
            replies += 1
            assert irt[0] in known, path.name
            assert refs and refs[-1] == irt[0], path.name
        assert set(refs) <= known, path.name
    assert replies >= 8


def _threads() -> dict[str, list[str]]:
    """Union messages linked by In-Reply-To/References; thread id -> file names."""
    by_id = {msgid(parsed(p.name)): p.name for p in eml_files()}
    parent: dict[str, str] = {n: n for n in by_id.values()}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for path in eml_files():
        msg = parsed(path.name)
        for ref in ids(msg["In-Reply-To"]) + ids(msg["References"]):
            parent[find(by_id[ref])] = find(path.name)
    groups: dict[str, list[str]] = {}
    for name in sorted(by_id.values()):
        groups.setdefault(find(name), []).append(name)
    return {k: v for k, v in groups.items() if len(v) > 1}


def test_threads() -> None:
    threads = _threads()
    assert sum(1 for t in threads.values() if 2 <= len(t) <= 4) >= 4
    assert all(len(t) <= 4 for t in threads.values())
    subjects = [str(parsed(n)["Subject"]) for t in threads.values() for n in t]
    assert any("[HX-Q2026-0117]" in s for s in subjects)
    assert any("SO-2026-0088" in s for s in subjects)
    # salespeople take part in threads
    staff_replies = [
        n for t in threads.values() for n in t if addresses(parsed(n), "From") & SALESPEOPLE
    ]
    assert len(staff_replies) >= 4


def test_threads_match_readme() -> None:
    from_readme: dict[str, set[str]] = {}
    for row in readme_rows():
        if row["thread"] != "-":
            from_readme.setdefault(row["thread"], set()).add(row["file"])
    assert sorted(map(sorted, from_readme.values())) == sorted(map(sorted, _threads().values()))


def test_every_message_reaches_sales_or_a_salesperson() -> None:
    for path in eml_files():
        msg = parsed(path.name)
        assert addresses(msg, "To", "Cc") & STAFF, path.name


def test_dates_spread_over_zones_weekend_and_german_holiday() -> None:
    dates = [parsed(p.name)["Date"].datetime for p in eml_files()]
    offsets = {d.utcoffset() for d in dates}
    assert len(offsets) >= 6
    assert any(d.weekday() >= 5 for d in dates)
    german = [d.astimezone(ZoneInfo("Europe/Berlin")).date() for d in dates]
    assert date(2026, 10, 3) in german  # Tag der Deutschen Einheit
    assert (max(dates) - min(dates)).days >= 21


def test_quoting_and_signature_styles_present() -> None:
    bodies = "\n".join(texts(parsed(p.name)) for p in eml_files())
    for marker in (
        "\n> ",
        "-----Original Message-----",
        "发件人:",
        "Von:",
        " wrote:",
        "escribió:",
        "原始邮件",
        "\n-- \n",
        "Sent from my iPhone",
    ):
        assert marker in bodies.replace("\r\n", "\n"), marker


def _raw(path: Path) -> bytes:
    return path.read_bytes()


def test_mime_special_cases_present() -> None:
    raws = {p.name: _raw(p) for p in eml_files()}
    blob = b"\n".join(raws.values()).lower()
    for needle in (
        b"=?utf-8?b?",
        b"=?gb2312?b?",
        b"=?iso-2022-jp?b?",
        b"=?big5?b?",
        b'charset="iso-2022-jp"',
        b'charset="gb2312"',
        b'charset="big5"',
        b"quoted-printable",
        b"content-transfer-encoding: base64",
        b"filename*=utf-8''",
        b"filename*0*=",
        b"multipart/alternative",
        b"text/calendar",
    ):
        assert needle in blob, needle
    charsets = {
        cs
        for p in eml_files()
        for part in parsed(p.name).walk()
        if (cs := part.get_content_charset())
    }
    assert {"iso-2022-jp", "gb2312", "big5"} <= charsets
    assert charsets & {"gbk", "gb18030"}


def test_bogus_charset_message() -> None:
    found = []
    for path in eml_files():
        for part in parsed(path.name).walk():
            declared = part.get_content_charset()
            if part.get_content_type() != "text/plain" or declared != "iso-8859-1":
                continue
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            try:
                decoded = payload.decode("gbk")
            except UnicodeDecodeError:
                continue
            if re.search(r"[\u4e00-\u9fff]{4}", decoded):
                found.append(path.name)
    assert len(found) == 1, found


def test_hostile_html_message() -> None:
    hits = []
    for path in eml_files():
        for part in parsed(path.name).walk():
            if part.get_content_type() == "text/html":
                assert isinstance(part, EmailMessage)
                html = part.get_content()
                if "<script" in html and 'src="http://tracker.example/x.png"' in html:
                    hits.append(path.name)
    assert hits


def test_machine_generated_messages() -> None:
    auto = bounce = bulk = 0
    for path in eml_files():
        msg = parsed(path.name)
        if msg.get_content_type() == "multipart/report":
            assert msg.get_param("report-type") == "delivery-status"
            assert "mailer-daemon" in str(msg["From"]).lower()
            bounce += 1
        elif str(msg.get("Auto-Submitted", "")).startswith("auto-replied"):
            auto += 1
        if msg["List-Unsubscribe"] and str(msg.get("Precedence", "")) == "bulk":
            bulk += 1
    assert auto >= 1 and bounce >= 1 and bulk >= 1


def test_attachments_with_photos_pdfs_and_zips() -> None:
    kinds: Counter[str] = Counter()
    non_ascii = 0
    for path in eml_files():
        for part in parsed(path.name).walk():
            name = part.get_filename()
            if not name:
                continue
            kinds[part.get_content_type()] += 1
            non_ascii += not name.isascii()
            data = part.get_payload(decode=True)
            assert isinstance(data, bytes)
            magic = {
                "application/pdf": b"%PDF-",
                "image/jpeg": b"\xff\xd8\xff",
                "image/png": b"\x89PNG",
                "application/zip": b"PK\x03\x04",
            }
            if part.get_content_type() in magic:
                assert data.startswith(magic[part.get_content_type()]), (path.name, name)
    assert kinds["application/pdf"] >= 5
    assert kinds["image/jpeg"] >= 2 and kinds["image/png"] >= 2
    assert sum(v for k, v in kinds.items() if "zip" in k or k == "application/octet-stream") >= 3
    assert non_ascii >= 5


# ----------------------------------------------------------------------------- README
def test_readme_lists_every_file_exactly_once() -> None:
    listed = [r["file"] for r in readme_rows()]
    assert len(listed) == len(set(listed))
    assert sorted(listed) == [p.name for p in eml_files()]


def test_readme_rows_match_messages() -> None:
    for row in readme_rows():
        msg = parsed(row["file"])
        assert row["message-id"] == msgid(msg), row["file"]
        assert row["from"].lower() in addresses(msg, "From"), row["file"]
        assert datetime.fromisoformat(row["date"]) == msg["Date"].datetime, row["file"]
        assert row["intent"] in INTENTS, row["file"]
        assert row["dir"] in {"in", "out"}
        assert (row["dir"] == "out") == (row["from"] in SALESPEOPLE), row["file"]


def test_language_coverage() -> None:
    langs = Counter(r["language"] for r in readme_rows())
    assert set(langs) <= {"en", "de", "es", "ja", "zh-Hans", "zh-Hant", "pt"}
    for lang, minimum in {"en": 3, "de": 3, "es": 3, "zh-Hans": 3, "zh-Hant": 2, "ja": 2}.items():
        assert langs[lang] >= minimum, (lang, langs)


def test_intent_coverage() -> None:
    intents = Counter(r["intent"] for r in readme_rows())
    for intent in ("inquiry", "order", "complaint", "payment", "other"):
        assert intents[intent] >= 3, (intent, intents)
    assert intents["autoreply"] >= 1
    assert intents["bounce"] >= 1


def test_readme_machine_intents_match_headers() -> None:
    for row in readme_rows():
        msg = parsed(row["file"])
        if row["intent"] == "bounce":
            assert msg.get_content_type() == "multipart/report"
        if row["intent"] == "autoreply":
            assert str(msg["Auto-Submitted"]).startswith("auto-replied")


# ----------------------------------------------------------------------------- archive
def test_csv_headers_exact() -> None:
    for name in HEADERS:
        assert read_csv(name), name


def test_customers() -> None:
    customers = read_csv("customers.csv")
    codes = [c["code"] for c in customers]
    assert len(codes) == len(set(codes)) and len(codes) >= 8
    seen: dict[str, str] = {}
    for c in customers:
        ZoneInfo(c["timezone"])
        assert re.fullmatch(r"[a-z]{2}", c["language"]), c
        assert re.fullmatch(r"[A-Z]{2}", c["country"]), c
        assert c["salesperson"] in SALESPEOPLE, c
        assert c["status"] in {"customer", "prospect"}, c
        for domain in c["domains"].split(";"):
            assert domain and domain not in FREEMAIL, c
            assert domain not in seen, (domain, seen.get(domain), c["code"])
            seen[domain] = c["code"]
    assert {c["status"] for c in customers} == {"customer", "prospect"}


def test_contacts() -> None:
    codes = {c["code"] for c in read_csv("customers.csv")}
    contacts = read_csv("contacts.csv")
    assert all(c["customer_code"] in codes for c in contacts)
    gmail_customers = {c["customer_code"] for c in contacts if c["email"].endswith("@gmail.com")}
    assert len(gmail_customers) >= 2


def test_every_inbound_sender_is_known_or_machine() -> None:
    known = {c["email"].lower() for c in read_csv("contacts.csv")}
    domains = {d for c in read_csv("customers.csv") for d in c["domains"].split(";")}
    for row in readme_rows():
        if row["dir"] == "out" or row["intent"] in {"bounce", "other"}:
            continue
        if row["features"].startswith(("FRAUD SAMPLE", "JUNK SAMPLE")):
            continue  # the relevance gate's samples come from strangers on purpose
        sender = row["from"].lower()
        assert sender in known or sender.rpartition("@")[2] in domains, row["file"]


def test_orders() -> None:
    codes = {c["code"] for c in read_csv("customers.csv")}
    orders = read_csv("orders.csv")
    numbers = [o["order_no"] for o in orders]
    assert len(numbers) == len(set(numbers))
    overdue_unpaid = 0
    for o in orders:
        assert o["customer_code"] in codes, o
        assert o["status"] in ORDER_STATUSES, o
        assert re.fullmatch(r"SO-2026-\d{4}", o["order_no"]), o
        assert re.fullmatch(r"PI-HX-2026-\d{3}", o["pi_number"]), o
        assert re.fullmatch(r"[A-Z]{3}", o["currency"]), o
        amount, paid = Decimal(o["amount"]), Decimal(o["paid_amount"])
        assert 0 <= paid <= amount, o
        due = date.fromisoformat(o["due_date"])
        assert date.fromisoformat(o["order_date"]) <= due
        if due < TODAY and paid < amount and o["status"] != "cancelled":
            overdue_unpaid += 1
    assert overdue_unpaid >= 2


def test_order_numbers_in_mails_exist_in_archive() -> None:
    orders = read_csv("orders.csv")
    so = {o["order_no"] for o in orders}
    pi = {o["pi_number"] for o in orders}
    pos = {o["customer_po"] for o in orders}
    corpus = "\n".join(texts(parsed(p.name)) for p in eml_files())
    assert set(re.findall(r"\bSO-2026-\d{4}\b", corpus)) <= so
    assert set(re.findall(r"\bPI-HX-2026-\d{3}\b", corpus)) <= pi
    for po in (
        "4500123871",
        "PO-45001",
        "OC-2026-0412",
        "OC-2026-0488",
        "TS-2610-0457",
        "HS20261016-01",
        "HSK-PO-1151102",
        "BWC-PO-2209",
        "PO-44872",
    ):
        assert po in pos and po in corpus, po


def test_pricelist() -> None:
    rows = read_csv("pricelist.csv")
    products = Counter(r["product_code"] for r in rows)
    assert len(products) >= 10
    assert sum(1 for n in products.values() if n >= 3) >= 6
    for r in rows:
        assert r["currency"] == "USD"
        assert int(r["break_qty"]) >= int(r["moq"]) > 0
        assert Decimal(r["unit_price"]) > 0
        assert int(r["lead_time_days"]) > 0 and int(r["validity_days"]) > 0
    # prices fall (or stay) as the quantity break rises
    by_code: dict[str, list[tuple[int, Decimal]]] = {}
    for r in rows:
        by_code.setdefault(r["product_code"], []).append(
            (int(r["break_qty"]), Decimal(r["unit_price"]))
        )
    for code, breaks in by_code.items():
        prices = [p for _, p in sorted(breaks)]
        assert prices == sorted(prices, reverse=True), code
