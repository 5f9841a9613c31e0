"""OAuth2 access tokens for XOAUTH2 mailboxes: the refresh-token and device-code flows.

Microsoft 365 has retired password IMAP and Gmail prefers OAuth2; their access tokens live
about an hour. :class:`TokenSource` keeps one mailbox's access token fresh: it exchanges
the refresh token (read from ``oauth_refresh_token_file`` at every refresh, so a new
``mailagent mailbox authorize`` is picked up without a restart) at the token endpoint
ahead of expiry, and again at once after the server refused a token
(:meth:`TokenSource.invalidate`). A rotated refresh token is written back atomically (temp
file, fsync, rename; mode 0600) before the new access token is used. :func:`device_flow`
runs RFC 8628 once to obtain the first refresh token.

One :class:`TokenSource` per mailbox lives in this module's registry (:func:`tokens_for`),
because the daemon reconnects with a new IMAP connection each time. Tokens and secrets are
never logged nor put into an error message.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mailagent.config import MailboxSettings, read_secret
from mailagent.errors import ConfigError, SourceError

__all__ = [
    "REFRESH_MARGIN_SECONDS",
    "DeviceCode",
    "OAuthError",
    "Provider",
    "TokenSource",
    "client_form",
    "device_flow",
    "error_text",
    "post_form",
    "provider_for",
    "tokens_for",
    "write_secret_file",
]

log = logging.getLogger(__name__)

REFRESH_MARGIN_SECONDS = 300.0  # refresh this long before expiry (tokens live ~3600 s)
HTTP_TIMEOUT = 30.0
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


class OAuthError(SourceError):
    """The token endpoint refused or could not be reached (the message names no secret)."""


@dataclass(frozen=True, slots=True)
class Provider:
    token_url: str
    device_url: str
    scope: str
    auth_url: str = ""


def provider_for(s: MailboxSettings) -> Provider:
    """Endpoints and scope for the mailbox: the provider's defaults, overridden by settings."""
    if s.oauth_provider == "google":
        base = Provider(  # Google allows no Gmail scope in the device flow: use the browser
            "https://oauth2.googleapis.com/token",
            "",
            "https://mail.google.com/",
            "https://accounts.google.com/o/oauth2/v2/auth",
        )
    elif s.oauth_provider == "microsoft":
        root = f"https://login.microsoftonline.com/{s.oauth_tenant or 'common'}/oauth2/v2.0"
        base = Provider(
            f"{root}/token",
            f"{root}/devicecode",
            "https://outlook.office.com/IMAP.AccessAsUser.All offline_access",
            f"{root}/authorize",
        )
    else:
        base = Provider("", "", "")
    return Provider(
        s.oauth_token_url or base.token_url,
        s.oauth_device_url or base.device_url,
        s.oauth_scope or base.scope,
        s.oauth_auth_url or base.auth_url,
    )


def _check_url(url: str, what: str) -> None:
    parsed = urllib.parse.urlsplit(url)
    loopback = parsed.hostname in ("localhost", "127.0.0.1", "::1")
    if parsed.scheme != "https" and not (parsed.scheme == "http" and loopback):
        raise ConfigError(f"{what} {url!r}: must be https (plain http only on loopback)")


def post_form(url: str, form: dict[str, str], what: str) -> tuple[int, dict[str, Any]]:
    """POST a form, return (HTTP status, JSON body); OAuthError on transport failures."""
    _check_url(url, what)
    data = urllib.parse.urlencode(form).encode()
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url, data=data, headers={"Accept": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:  # noqa: S310
            status, body = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read()
    except (OSError, ValueError) as exc:
        raise OAuthError(f"{what}: cannot reach {url}: {exc}") from None
    try:
        payload = json.loads(body or b"{}")
    except ValueError:
        raise OAuthError(f"{what}: {url} answered HTTP {status} without JSON") from None
    if not isinstance(payload, dict):
        raise OAuthError(f"{what}: {url} answered HTTP {status} with unexpected JSON")
    return status, payload


def error_text(payload: dict[str, Any]) -> str:
    code = str(payload.get("error", "unknown_error"))
    text = str(payload.get("error_description", ""))[:300]
    return f"{code}: {text}" if text else code


def write_secret_file(path: Path, value: str) -> None:
    """Replace ``path`` with ``value`` atomically (temp file, fsync, rename), mode 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            os.fchmod(fh.fileno(), 0o600)
            fh.write(value + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def client_form(s: MailboxSettings) -> dict[str, str]:
    form = {"client_id": s.oauth_client_id}
    secret = read_secret(
        s.oauth_client_secret_env, s.oauth_client_secret_file, what=f"IMAP {s.name} client secret"
    )
    if secret:
        form["client_secret"] = secret
    return form


class TokenSource:
    """A mailbox's access token, refreshed ahead of expiry; thread-safe."""

    def __init__(self, settings: MailboxSettings, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at = 0.0
        self._life = 3600.0
        self.refreshes = 0

    @property
    def expires_at(self) -> float:
        """Unix time the current access token expires (0 before the first refresh)."""
        return self._expires_at

    def seconds_left(self) -> float:
        return self._expires_at - self.clock() if self._token else 0.0

    def refresh_due_in(self) -> float:
        """Seconds until the token should be refreshed (<= 0: now)."""
        return self.seconds_left() - self._margin()

    def access_token(self) -> str:
        """A token valid for at least the refresh margin (refreshing it if needed)."""
        with self._lock:
            if self._token is None or self.seconds_left() <= self._margin():
                self._refresh()
            assert self._token is not None
            return self._token

    def invalidate(self, token: str | None = None) -> None:
        """The server refused ``token``: the next :meth:`access_token` refreshes."""
        with self._lock:
            if token is None or token == self._token:
                self._token, self._expires_at = None, 0.0

    def _margin(self) -> float:
        # short-lived tokens (tests, strict tenants): refresh when 20 % of the life is left
        return min(REFRESH_MARGIN_SECONDS, self._life * 0.2)

    def _refresh(self) -> None:
        s = self.settings
        where = f"IMAP {s.name} OAuth2"
        path = Path(s.oauth_refresh_token_file)
        try:
            refresh = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(
                f"{where}: cannot read the refresh token file {path} ({exc.strerror}); "
                f"run: mailagent mailbox authorize {s.name}"
            ) from None
        provider = provider_for(s)
        form = {**client_form(s), "grant_type": "refresh_token", "refresh_token": refresh}
        if provider.scope:
            form["scope"] = provider.scope
        status, payload = post_form(provider.token_url, form, f"{where} token refresh")
        token = payload.get("access_token")
        if status != 200 or not isinstance(token, str) or not token:
            hint = ""
            if payload.get("error") == "invalid_grant":
                hint = (
                    f"; the refresh token is no longer valid: mailagent mailbox authorize {s.name}"
                )
            raise OAuthError(
                f"{where}: token refresh refused (HTTP {status}, {error_text(payload)}){hint}"
            )
        rotated = payload.get("refresh_token")
        if isinstance(rotated, str) and rotated and rotated != refresh:
            write_secret_file(path, rotated)  # before use: a crash now keeps the new one
            log.info("%s: refresh token rotated and saved to %s", where, path)
        life = float(payload.get("expires_in") or 3600)
        self._life = life
        self._token, self._expires_at = token, self.clock() + life
        self.refreshes += 1
        log.info("%s: access token refreshed, valid for %.0f s", where, life)


_REGISTRY: dict[tuple[str, str], TokenSource] = {}
_REGISTRY_LOCK = threading.Lock()


def tokens_for(settings: MailboxSettings) -> TokenSource:
    """The process-wide :class:`TokenSource` of this mailbox (same settings, same source)."""
    key = (settings.name, settings.oauth_refresh_token_file)
    with _REGISTRY_LOCK:
        source = _REGISTRY.get(key)
        if source is None or source.settings != settings:
            source = _REGISTRY[key] = TokenSource(settings)
        return source


@dataclass(frozen=True, slots=True)
class DeviceCode:
    user_code: str
    verification_uri: str
    expires_in: int
    interval: int
    device_code: str = ""

    def __repr__(self) -> str:  # the device code is a credential
        return f"DeviceCode(user_code={self.user_code!r}, uri={self.verification_uri!r})"


def device_flow(
    settings: MailboxSettings,
    show: Callable[[DeviceCode], None],
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """RFC 8628: ask for a user code, ``show`` it, poll until approved; store and return the
    path of the refresh token file."""
    s = settings
    where = f"IMAP {s.name} OAuth2"
    provider = provider_for(s)
    if not provider.device_url:
        raise ConfigError(f"{where}: no device-authorization endpoint (set oauth_device_url)")
    form = client_form(s)
    if provider.scope:
        form["scope"] = provider.scope
    status, payload = post_form(provider.device_url, form, f"{where} device authorization")
    if status != 200 or "device_code" not in payload:
        raise OAuthError(
            f"{where}: device authorization refused (HTTP {status}, {error_text(payload)})"
        )
    code = DeviceCode(
        user_code=str(payload["user_code"]),
        verification_uri=str(payload.get("verification_uri") or payload.get("verification_url")),
        expires_in=int(payload.get("expires_in", 900)),
        interval=max(1, int(payload.get("interval", 5))),
        device_code=str(payload["device_code"]),
    )
    show(code)
    poll = {**client_form(s), "grant_type": DEVICE_GRANT, "device_code": code.device_code}
    interval = float(code.interval)
    deadline = time.monotonic() + code.expires_in
    while time.monotonic() < deadline:
        sleep(interval)
        status, payload = post_form(provider.token_url, poll, f"{where} device token")
        error = payload.get("error")
        if status == 200 and isinstance(payload.get("refresh_token"), str):
            path = Path(s.oauth_refresh_token_file)
            write_secret_file(path, payload["refresh_token"])
            log.info("%s: authorized; refresh token saved to %s", where, path)
            return str(path)
        if error == "authorization_pending":
            continue
        if error == "slow_down":
            interval += 5
            continue
        if status == 200:
            raise OAuthError(f"{where}: the token endpoint sent no refresh token (offline scope?)")
        raise OAuthError(f"{where}: authorization failed ({error_text(payload)})")
    raise OAuthError(f"{where}: the code expired before it was approved; run authorize again")
