"""Web UI users: create, list, change and authenticate logins (argon2id password hashes).

A use-case module like ``services.py``: callers pass the :class:`~mailagent.app.App`, get
frozen :class:`UserInfo` records back (no ORM objects escape) and every change is written to
the audit log. Passwords are never stored, logged or returned; only their argon2 hash is kept.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mailagent.app import App
from mailagent.db import models as m
from mailagent.db import queries as q
from mailagent.errors import MailagentError, NotFound
from mailagent.translation.backlog import replan_recent
from mailagent.translation.readers import parse_reads
from mailagent.web.sessions import revoke_user

__all__ = [
    "LANGUAGES",
    "MIN_PASSWORD_LENGTH",
    "ROLES",
    "UserError",
    "UserInfo",
    "authenticate",
    "count_users",
    "create_user",
    "get_user",
    "list_users",
    "set_language",
    "set_password",
    "update_user",
]

log = logging.getLogger(__name__)

ROLES = ("sales", "supervisor", "admin")
LANGUAGES = ("zh", "en")
MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the e-mail is unknown, so both cases take the same time."""
    return _hasher.hash("mailagent-dummy-password")


class UserError(MailagentError, ValueError):
    """Invalid user data (unknown role or language, duplicate e-mail, weak password)."""


@dataclass(frozen=True, slots=True)
class UserInfo:
    id: int
    email: str
    display_name: str
    role: str
    language: str
    reads: tuple[str, ...]  # languages read, in order of preference (never empty)
    active: bool
    created_at: datetime
    last_login_at: datetime | None
    session_tag: str  # changes when the password changes: old sessions stop working

    @property
    def name(self) -> str:
        return self.display_name or self.email

    @property
    def sees_all_mail(self) -> bool:
        return self.role == "supervisor"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def _info(row: m.User) -> UserInfo:
    return UserInfo(
        id=row.id,
        email=row.email,
        display_name=row.display_name,
        role=row.role,
        language=row.language,
        reads=parse_reads(row.reads or "", fallback=row.language),
        active=row.active,
        created_at=row.created_at,
        last_login_at=row.last_login_at,
        session_tag=hashlib.sha256(row.password_hash.encode()).hexdigest()[:16],
    )


def _normalise_email(email: str) -> str:
    value = email.strip().lower()
    if "@" not in value or len(value) > 320 or any(c.isspace() for c in value):
        raise UserError(f"not an e-mail address: {email!r}")
    return value


def _check(role: str | None, language: str | None) -> None:
    if role is not None and role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if language is not None and language not in LANGUAGES:
        raise UserError(f"language must be one of {', '.join(LANGUAGES)}, not {language!r}")


def _reads(reads: str | None) -> str | None:
    """Validate "zh, en" into the stored "zh,en" (None: unchanged, "": the UI language)."""
    if reads is None:
        return None
    try:
        return ",".join(parse_reads(reads))
    except ValueError as exc:
        raise UserError(f"languages read: {exc}") from exc


def _replan(app: App) -> None:
    """Readers changed: recent mail may need translations for them (done in the background)."""
    replan_recent(app.sessions, app.clock(), app.settings.translation.reader_days)


def _hash(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def create_user(
    app: App,
    email: str,
    password: str,
    *,
    role: str,
    language: str = "zh",
    display_name: str = "",
    actor: str = "system",
    reads: str = "",
) -> UserInfo:
    """Add a login; raises :class:`UserError` for bad data or an e-mail already in use.

    ``reads``: the languages the user reads ("zh,en"); empty means the UI language.
    """
    address = _normalise_email(email)
    _check(role, language)
    stored_reads = _reads(reads) or ""
    pw_hash = _hash(password)
    with app.sessions() as session, session.begin():
        if session.scalar(select(m.User.id).where(m.User.email == address)) is not None:
            raise UserError(f"a user {address} already exists")
        row = m.User(
            email=address,
            display_name=display_name.strip()[:200],
            password_hash=pw_hash,
            role=role,
            language=language,
            reads=stored_reads,
            active=True,
            created_at=app.clock(),
        )
        session.add(row)
        session.flush()
        q.audit(session, actor, "user.create", app.clock(), email=address, role=role)
        info = _info(row)
    log.info("user %s created (%s) by %s", address, role, actor)
    if role != "admin":
        _replan(app)
    return info


def _row(session: Session, user_id: int) -> m.User:
    row = session.get(m.User, user_id)
    if row is None:
        raise NotFound(f"no user with id {user_id}")
    return row


def set_password(app: App, user_id: int, password: str, *, actor: str) -> UserInfo:
    """Replace a user's password (this also ends the user's open sessions)."""
    pw_hash = _hash(password)
    with app.sessions() as session, session.begin():
        row = _row(session, user_id)
        row.password_hash = pw_hash
        ended = revoke_user(session, user_id)
        q.audit(session, actor, "user.password", app.clock(), email=row.email, sessions_ended=ended)
        info = _info(row)
    log.info("password of %s changed by %s", info.email, actor)
    return info


def update_user(
    app: App,
    user_id: int,
    *,
    actor: str,
    role: str | None = None,
    language: str | None = None,
    active: bool | None = None,
    display_name: str | None = None,
    reads: str | None = None,
) -> UserInfo:
    """Change role, language, languages read, active flag or display name (None leaves a
    field as it is)."""
    _check(role, language)
    stored_reads = _reads(reads)
    with app.sessions() as session, session.begin():
        row = _row(session, user_id)
        changes: dict[str, Any] = {}
        if role is not None and role != row.role:
            changes["role"], row.role = role, role
        if language is not None and language != row.language:
            changes["language"], row.language = language, language
        if active is not None and active != row.active:
            changes["active"], row.active = active, active
        if display_name is not None and display_name.strip() != row.display_name:
            row.display_name = display_name.strip()[:200]
            changes["display_name"] = row.display_name
        if stored_reads is not None and stored_reads != (row.reads or ""):
            changes["reads"], row.reads = stored_reads, stored_reads
        if changes.get("active") is False:
            changes["sessions_ended"] = revoke_user(session, user_id)
        if changes:
            q.audit(session, actor, "user.update", app.clock(), email=row.email, **changes)
        info = _info(row)
    if {"reads", "active", "role", "language"} & changes.keys():
        _replan(app)
    return info


def set_language(app: App, user_id: int, language: str) -> UserInfo:
    """A user's own UI language choice (not audited: it changes nothing but the display)."""
    _check(None, language)
    with app.sessions() as session, session.begin():
        row = _row(session, user_id)
        row.language = language
        return _info(row)


def get_user(app: App, user_id: int) -> UserInfo | None:
    with app.sessions() as session:
        row = session.get(m.User, user_id)
        return _info(row) if row is not None else None


def list_users(app: App) -> list[UserInfo]:
    with app.sessions() as session:
        return [_info(r) for r in session.scalars(select(m.User).order_by(m.User.email))]


def count_users(app: App) -> int:
    with app.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(m.User)) or 0)


def authenticate(app: App, email: str, password: str) -> UserInfo | None:
    """The active user with this e-mail and password, else None (same cost either way).

    A successful login records ``last_login_at`` and upgrades an outdated hash.
    """
    address = email.strip().lower()
    with app.sessions() as session, session.begin():
        row = session.scalar(select(m.User).where(m.User.email == address))
        try:
            _hasher.verify(row.password_hash if row else _dummy_hash(), password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if row is None or not row.active:
            return None
        if _hasher.check_needs_rehash(row.password_hash):
            row.password_hash = _hasher.hash(password)
        row.last_login_at = app.clock()
        return _info(row)
