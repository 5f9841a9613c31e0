"""The mailagent exception hierarchy, split by what the caller does next.

Library code raises these; only ``cli.py`` turns them into exit codes.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DeliveryError",
    "ImportDataError",
    "MailagentError",
    "NotFound",
    "ParseError",
    "PermanentDeliveryError",
    "RulesError",
    "SourceError",
    "TransientDeliveryError",
    "TranslationError",
]


class MailagentError(Exception):
    """Base for all mailagent errors."""


class NotFound(MailagentError, LookupError):
    """The message, draft, customer, order, user or clock asked for does not exist
    (or is outside what the caller may see): the CLI exits 3, the web UI answers 404."""


class ConfigError(MailagentError):
    """Bad config.toml or environment: fix the configuration."""


class RulesError(ConfigError):
    """Invalid rules/*.toml; the message names file, rule and field."""


class SourceError(MailagentError, ConnectionError):
    """IMAP unreachable, TLS failure or authentication failure."""


class ParseError(MailagentError):
    """A message could not be turned into an InboundMail (goes to quarantine)."""


class ImportDataError(MailagentError):
    """A customer/order/price import file has errors; nothing was imported."""


class TranslationError(MailagentError):
    """No translation path or model failure; the message names the pair."""


class DeliveryError(MailagentError):
    """Base for SMTP send failures."""


class TransientDeliveryError(DeliveryError, ConnectionError):
    """4xx / timeout / connection drop: retry later."""


class PermanentDeliveryError(DeliveryError):
    """5xx: needs a human; the message carries the server's answer."""
