"""People by name: ``person(email)`` in templates shows a user's or contact's name with the
e-mail address on hover (``title``), instead of the bare address.

Names come from the web users (display name) and the customer contacts; the table is read
once per :data:`TTL` seconds per web app, so a page listing many people costs one query.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import jinja2
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape
from sqlalchemy import select
from starlette.requests import Request

from mailagent.app import App
from mailagent.db import models as m

__all__ = ["TTL", "People", "install_people_global", "people_of"]

TTL = 30.0


@dataclass
class People:
    """E-mail address → display name, refreshed every :data:`TTL` seconds."""

    app: App
    _names: dict[str, str] = field(default_factory=dict)
    _loaded: float = -TTL

    def name_of(self, email: str) -> str:
        if time.monotonic() - self._loaded >= TTL:
            self._names = self._load()
            self._loaded = time.monotonic()
        return self._names.get(email.strip().lower(), "")

    def _load(self) -> dict[str, str]:
        with self.app.sessions() as session:
            names = {
                e.lower(): n
                for e, n in session.execute(select(m.Contact.email, m.Contact.name))
                if e and n
            }
            for email, name in session.execute(select(m.User.email, m.User.display_name)):
                if email and name:
                    names[email.lower()] = name
        return names


def person_html(email: str | None, name: str) -> Markup:
    if not email:
        return Markup("-")
    if not name:
        return Markup('<span class="person" translate="no">{}</span>').format(email)
    return Markup('<span class="person" title="{}" translate="no">{}</span>').format(
        email, escape(name)
    )


def people_of(request: Request) -> People:
    """The web app's name table (made on first use)."""
    state = request.app.state
    people: People | None = getattr(state, "people", None)
    if people is None:
        people = state.people = People(state.mailagent)
    return people


def install_people_global(env: jinja2.Environment) -> None:
    @pass_context
    def person(context: Context, email: str | None) -> Markup:
        people = people_of(context["request"])
        return person_html(email, people.name_of(email) if email else "")

    @pass_context
    def shown(context: Context, value: object) -> Markup | str:
        """A report cell or chart label: a person's name (address on hover), a bucket,
        column or intent code in the reader's language, anything else as it is."""
        text = "" if value is None else str(value)
        if "@" in text and " " not in text:
            return person(context, text)
        label = context["label"]
        for kind in ("bucket", "column", "intent"):
            translated = str(label(context, kind, text))
            if translated != text:
                return translated
        return Markup('<span translate="no">{}</span>').format(text)

    @pass_context
    def person_name(context: Context, email: str) -> str:
        return people_of(context["request"]).name_of(email) or email

    env.globals["person"] = person
    env.globals["shown"] = shown
    env.globals["person_name"] = person_name
