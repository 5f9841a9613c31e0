"""Platform inquiries: the buyer's message inside a marketplace notification.

Alibaba.com, Made-in-China.com, Global Sources and their like forward a buyer's inquiry
wrapped in their own template, sent from their own address. Classified and filed as is,
such a mail reads as platform boilerplate from the platform. :func:`unwrap` recognises a
notification by its sender's domain (``rules/platforms.toml``), takes the buyer's message,
name (``buyer``), e-mail address and company out of the template with that platform's patterns, and
returns the mail as the buyer's: ``new_text`` is the buyer's message, ``from_`` the buyer
(when the template gives an address), so the inquiry is classified on the buyer's words
and filed to (or created as a prospect for) the buyer. Without a buyer address the sender
stays the platform's, and the mail is not made a prospect (the platform's address is not
the buyer's). Every unwrap records why. Pure: no I/O after loading the patterns.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mailagent.records import Address, InboundMail

__all__ = ["PLATFORM_FILE", "Platform", "Unwrapped", "load_platforms", "unwrap"]

PLATFORM_FILE = "platforms.toml"
_PATTERNS = ("message", "buyer", "email", "company", "country")
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
_MAX_MESSAGE = 20_000


@dataclass(frozen=True, slots=True)
class Platform:
    """One marketplace: its sender domains and the patterns of its template."""

    name: str
    domains: tuple[str, ...]
    patterns: dict[str, re.Pattern[str]]

    def sends(self, mail: InboundMail) -> bool:
        sender = mail.from_ or mail.sender
        domain = sender.domain if sender else ""
        return any(domain == d or domain.endswith(f".{d}") for d in self.domains)

    def field(self, name: str, text: str) -> str:
        pattern = self.patterns.get(name)
        found = pattern.search(text) if pattern else None
        return found.group(name).strip() if found else ""


@dataclass(frozen=True, slots=True)
class Unwrapped:
    """The buyer's mail taken out of a platform notification, and why."""

    mail: InboundMail
    platform: str
    buyer: str
    has_address: bool
    reason: str


def unwrap(mail: InboundMail, platforms: tuple[Platform, ...]) -> Unwrapped | None:
    """The buyer's inquiry inside ``mail`` if a known platform sent it, else None."""
    platform = next((p for p in platforms if p.sends(mail)), None)
    if platform is None:
        return None
    text = mail.new_text or mail.text
    message = platform.field("message", text)[:_MAX_MESSAGE]
    if not message:
        return None
    name = platform.field("buyer", text)[:200]
    email = platform.field("email", text).lower()
    company = platform.field("company", text)[:200]
    country = platform.field("country", text)[:100]
    address = email if _EMAIL.match(email) else ""
    buyer = " ".join(filter(None, (name, f"({company})" if company else "", country)))
    sender = mail.from_ or mail.sender
    if address:
        from_ = Address(name or company, address)
    else:
        from_ = Address(
            name or company or (sender.name if sender else ""), sender.email if sender else ""
        )
    who = f"{buyer or 'an unnamed buyer'}" + (f" <{address}>" if address else ", no buyer address")
    reason = f"platform inquiry via {platform.name} from {who}: classified on the buyer's message"
    inner = dataclasses.replace(mail, from_=from_, reply_to=(), new_text=message)
    return Unwrapped(inner, platform.name, buyer, bool(address), reason)


def load_platforms(rules_dir: Path, problems: list[str]) -> tuple[Platform, ...]:
    """The platforms of ``rules_dir/platforms.toml`` (none if absent); problems are appended."""
    path = rules_dir / PLATFORM_FILE
    if not path.exists():
        return ()
    try:
        with path.open("rb") as fh:
            data: dict[str, Any] = tomllib.load(fh)
    except (tomllib.TOMLDecodeError, OSError) as exc:
        problems.append(f"{path}: invalid TOML: {exc}")
        return ()
    for key in sorted(set(data) - {"platform"}):
        problems.append(f"{path}: {key}: unknown top-level key (expected [[platform]])")
    entries = data.get("platform", [])
    if not isinstance(entries, list):
        problems.append(f"{path}: platform: must be an array of tables ([[platform]])")
        return ()
    found = [_parse(path, i, entry, problems) for i, entry in enumerate(entries, 1)]
    return tuple(p for p in found if p is not None)


def _parse(path: Path, index: int, entry: Any, problems: list[str]) -> Platform | None:
    if not isinstance(entry, dict):
        problems.append(f"{path}: platform #{index}: must be a table")
        return None
    name = entry.get("name")
    where = f'{path}: platform "{name}"' if isinstance(name, str) else f"{path}: platform #{index}"
    before = len(problems)
    if not isinstance(name, str) or not name.strip():
        problems.append(f"{where}: name: must be a non-empty string")
    for key in sorted(set(entry) - {"name", "domains", *_PATTERNS}):
        problems.append(f"{where}: {key}: unknown key")
    domains = entry.get("domains")
    if (
        not isinstance(domains, list)
        or not domains
        or not all(isinstance(d, str) and "." in d for d in domains)
    ):
        problems.append(f"{where}: domains: must be a non-empty list of domain names")
    patterns: dict[str, re.Pattern[str]] = {}
    for key in _PATTERNS:
        value = entry.get(key)
        if value is None:
            if key == "message":
                problems.append(
                    f"{where}: message: required (a regex with a (?P<message>...) group)"
                )
            continue
        try:
            pattern = re.compile(value) if isinstance(value, str) else None
        except re.error as exc:
            problems.append(f"{where}: {key}: invalid regex: {exc}")
            continue
        if pattern is None or key not in pattern.groupindex:
            problems.append(f"{where}: {key}: must be a regex with a (?P<{key}>...) group")
            continue
        patterns[key] = pattern
    if len(problems) > before:
        return None
    return Platform(str(name), tuple(str(d).lower() for d in domains or ()), patterns)
