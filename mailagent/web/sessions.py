"""Server-side web sessions: the store decides whether a log-in is still valid.

The signed cookie only carries a random token (plus the CSRF token, language and flash
messages); the ``web_sessions`` row keyed by the token's SHA-256 is what makes it a log-in.
So a cookie copied before log-out is worth nothing after it: :func:`revoke` deletes the row,
and :func:`revoke_user` (password change, deactivation, admin "end sessions") deletes all of
a user's rows in the caller's transaction. A session past its idle timeout
(``web.session_idle_minutes`` since it was last used) or absolute timeout
(``web.session_hours`` since log-in) is refused and deleted. ``last_seen_at`` is written at
most once a minute per session, so browsing does not turn every page view into a write.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, or_
from sqlalchemy.orm import Session

from mailagent.app import App
from mailagent.db import models as m
from mailagent.db.queries import aware

__all__ = ["SessionPolicy", "open_session", "purge", "revoke", "revoke_user", "valid_user"]

_TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    idle: timedelta
    absolute: timedelta

    @classmethod
    def of(cls, app: App) -> SessionPolicy:
        web = app.settings.web
        return cls(
            idle=timedelta(minutes=web.session_idle_minutes),
            absolute=timedelta(hours=web.session_hours),
        )


def _key(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def open_session(app: App, user_id: int, client: str) -> str:
    """A new log-in for ``user_id``; returns the token to put in the cookie."""
    token = secrets.token_urlsafe(32)
    now = app.clock()
    with app.sessions() as session, session.begin():
        session.add(
            m.WebSession(
                id=_key(token),
                user_id=user_id,
                created_at=now,
                last_seen_at=now,
                client=client[:64],
            )
        )
    return token


def valid_user(app: App, token: str, policy: SessionPolicy) -> int | None:
    """The user id of a live session with this token (touching it), else None."""
    if not token or len(token) > 100:
        return None
    now = app.clock()
    with app.sessions() as session, session.begin():
        row = session.get(m.WebSession, _key(token))
        if row is None:
            return None
        if (
            now - aware(row.last_seen_at) > policy.idle
            or now - aware(row.created_at) > policy.absolute
        ):
            session.delete(row)
            return None
        if now - aware(row.last_seen_at) >= _TOUCH_EVERY:
            row.last_seen_at = now
        return row.user_id


def revoke(app: App, token: str) -> None:
    with app.sessions() as session, session.begin():
        session.execute(delete(m.WebSession).where(m.WebSession.id == _key(token)))


def revoke_user(session: Session, user_id: int) -> int:
    """End every log-in of ``user_id`` (in the caller's transaction); returns how many."""
    result = session.execute(delete(m.WebSession).where(m.WebSession.user_id == user_id))
    return int(getattr(result, "rowcount", 0) or 0)


def purge(app: App, policy: SessionPolicy) -> int:
    """Delete expired sessions (run at log-in; expired rows are refused anyway)."""
    now = app.clock()
    with app.sessions() as session, session.begin():
        result = session.execute(
            delete(m.WebSession).where(
                or_(
                    m.WebSession.last_seen_at < now - policy.idle,
                    m.WebSession.created_at < now - policy.absolute,
                )
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)
