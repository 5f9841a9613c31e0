"""The web test store for search: the German order read in English (a stored translation)."""

from __future__ import annotations

from datetime import UTC, datetime

from support.webtools import Site

from mailagent.db import models as m

ENGLISH = "Dear Ms Chen, please find attached our purchase order 4500118999 for <b>R&D</b>."


def add_english_translation(site: Site) -> None:
    """The German mail ``mueller`` as an English reader has it (a message_translations row,
    as the background translation leaves it)."""
    with site.app.sessions() as session, session.begin():
        session.add(
            m.MessageTranslation(
                message_id=site.ids["mueller"], source_lang="de", target_lang="en",
                status="done", subject="Order 4500118999", body=ENGLISH, engine="test",
                updated_at=datetime(2026, 11, 16, tzinfo=UTC),
            )
        )  # fmt: skip
