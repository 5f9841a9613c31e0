"""Export-trade fraud checks: the warnings a salesperson must see before acting on a mail.

* ``lookalike_domain``: the sender or Reply-To domain imitates a real customer's domain;
* ``display_name_spoof``: the display name is a known contact's, the address is not theirs
  (or the name carries another address);
* ``reply_to_domain``: replies would go to another domain than the sender's, when the sender
  is a customer or the mail gives payment account details;
* ``auth_failed``: SPF/DKIM/DMARC failed for a customer's domain;
* ``bank_change``: a payment mail announces new bank details (BEC);
* ``dangerous_attachment``: executable, script, disk image, HTML or macro attachment, a
  double extension, or an encrypted archive named like an RFQ/PO/invoice.

Every flag is a red warning in the UI and the supervisor report and blocks automatic
sending (the Quality relay); a bank change also holds the message (no drafts, no clock)
until a supervisor acknowledges it.
The phrases and file types are data (``[fraud]`` in ``rules/relevance.toml``). Pure.
"""

from __future__ import annotations

import re

from mailagent.context import Directory
from mailagent.records import Address, Attachment, FraudFlag, InboundMail
from mailagent.triage.rules.relevance import FraudConfig
from mailagent.triage.stages.gate_view import registrable
from mailagent.triage.stages.lookalike import lookalike
from mailagent.triage.stages.relations import Relations, Relationship

__all__ = ["PHISHING_KINDS", "encrypted_archive", "run"]

# flags that, from a sender we do not know, are phishing evidence on their own
PHISHING_KINDS = frozenset({"lookalike_domain", "display_name_spoof", "auth_failed"})
_AUTH_FAIL = re.compile(r"\b(spf|dkim|dmarc)\s*=\s*(fail|softfail|permerror)\b", re.I)
_EMAIL_IN_NAME = re.compile(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)")
_ACCOUNT_DETAILS = re.compile(
    r"(?i)\b(?:IBAN|SWIFT|BIC|account\s+(?:no\.?|number|name)|beneficiary|routing)\b"
    r"|账号|帐号|账户|收款人|kontonummer|kontoinhaber|n[uú]mero de cuenta|titular|beneficiario"
)
_DOC_EXT = frozenset(
    {"pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "jpg", "jpeg", "png", "txt", "csv"}
)


def run(
    mail: InboundMail,
    cfg: FraudConfig,
    directory: Directory,
    relations: Relations,
    rel: Relationship,
    free_mail: frozenset[str],
) -> tuple[FraudFlag, ...]:
    """All fraud warnings of ``mail`` (empty when none)."""
    flags: list[FraudFlag] = []
    sender = mail.from_
    known = {d.lower() for _, d in relations.customer_domains()}
    text = f"{mail.subject}\n{mail.new_text or mail.text}"
    if sender is not None:
        flags += _lookalikes(sender, mail.reply_to, known, cfg)
        flags += _spoofed_name(sender, relations, directory, known)
        flags += _auth(mail, sender, known)
    flags += _reply_to(mail, sender, rel, cfg, text, known, free_mail)
    flags += _bank_change(text, cfg)
    flags += _attachments(mail.attachments, cfg, text)
    return tuple(flags)


def _is_known(domain: str, known: set[str]) -> bool:
    return any(domain == k or domain.endswith("." + k) for k in known)


def _lookalikes(
    sender: Address,
    reply_to: tuple[Address, ...],
    known: set[str],
    cfg: FraudConfig,
) -> list[FraudFlag]:
    out: list[FraudFlag] = []
    for who, addr in (("sender", sender), *(("Reply-To", a) for a in reply_to)):
        domain = addr.domain
        if not domain or _is_known(domain, known):
            continue
        for real in sorted(known):
            why = lookalike(domain, real, cfg.lookalike_max_distance)
            if why:
                out.append(FraudFlag("lookalike_domain", f"{who} {addr.email}: {why}"))
                break
    return out


def _fold_name(name: str) -> str:
    return " ".join(re.sub(r"[\"'(),]", " ", name).casefold().split())


def _spoofed_name(
    sender: Address, relations: Relations, directory: Directory, known: set[str]
) -> list[FraudFlag]:
    out: list[FraudFlag] = []
    inside = _EMAIL_IN_NAME.search(sender.name)
    if inside and inside.group(0).lower() != sender.email.lower():
        out.append(
            FraudFlag(
                "display_name_spoof",
                f"the display name shows {inside.group(0)} but the address is {sender.email}",
            )
        )
    name = _fold_name(_EMAIL_IN_NAME.sub("", sender.name))
    if len(name) < 5 or " " not in name or _is_known(sender.domain, known):
        return out
    for hit in relations.contacts_named(name):
        if hit.email.lower() == sender.email.lower():
            return out
    hits = relations.contacts_named(name)
    if hits:
        customer = directory.customer(hits[0].customer_id)
        where = f" of {customer.name}" if customer else ""
        out.append(
            FraudFlag(
                "display_name_spoof",
                f"{sender.name!r} is the name of our contact {hits[0].email}{where}, "
                f"but this mail comes from {sender.email}",
            )
        )
    return out


def _auth(mail: InboundMail, sender: Address, known: set[str]) -> list[FraudFlag]:
    if not _is_known(sender.domain, known):
        return []
    results = " ".join(v for k, v in mail.headers if k.lower() == "authentication-results")
    fails = sorted(
        {f"{m.group(1).lower()}={m.group(2).lower()}" for m in _AUTH_FAIL.finditer(results)}
    )
    if not fails:
        return []
    return [
        FraudFlag(
            "auth_failed",
            f"{sender.domain} is a customer's domain but the check failed ({', '.join(fails)})",
        )
    ]


def _reply_to(
    mail: InboundMail,
    sender: Address | None,
    rel: Relationship,
    cfg: FraudConfig,
    text: str,
    known: set[str],
    free_mail: frozenset[str],
) -> list[FraudFlag]:
    if sender is None or not mail.reply_to:
        return []
    customerish = rel.known or _is_known(sender.domain, known)
    payment = cfg.payment_context.search(text) and _ACCOUNT_DETAILS.search(text)
    if not customerish and not payment:
        return []  # a stranger's Reply-To elsewhere (lists, ESPs) is no fraud signal alone
    base = registrable(sender.domain)
    for addr in mail.reply_to:
        other = addr.domain
        if (
            not other
            or registrable(other) == base
            or (_is_known(other, known) and _is_known(sender.domain, known))
        ):
            continue
        kind = "a free-mail address" if other in free_mail else "another domain"
        return [
            FraudFlag(
                "reply_to_domain",
                f"replies would go to {addr.email} ({kind}), not to the sender {sender.email}",
            )
        ]
    return []


def _bank_change(text: str, cfg: FraudConfig) -> list[FraudFlag]:
    for pattern in cfg.bank_change:
        found = pattern.search(text)
        if found:
            return [
                FraudFlag(
                    "bank_change",
                    f"announces changed bank details ({found.group(0)[:60]!r}): confirm by "
                    "phone with a number you already have before paying or shipping",
                    needs_ack=True,  # a bank change always needs a supervisor
                )
            ]
    return []


def encrypted_archive(payload: bytes) -> bool:
    """True for a ZIP whose first entry is encrypted, or a RAR5/7z with encrypted headers."""
    if payload[:4] == b"PK\x03\x04" and len(payload) >= 8:
        return bool(payload[6] & 0x01)
    return payload[:6] == b"7z\xbc\xaf\x27\x1c" and b"\x06\xf1\x07\x01" in payload[:4096]


def _attachments(
    attachments: tuple[Attachment, ...], cfg: FraudConfig, text: str
) -> list[FraudFlag]:
    out: list[FraudFlag] = []
    for a in attachments:
        name = a.filename.lower().strip().rstrip(". ")
        parts = name.rsplit(".", 2)
        ext = parts[-1] if len(parts) > 1 else ""
        inner = parts[-2] if len(parts) > 2 else ""
        why = ""
        if ext in cfg.dangerous_extensions:
            why = f"{a.filename}: .{ext} files can run code or imitate a log-in page"
            if inner in _DOC_EXT:
                why = f"{a.filename}: double extension (.{inner}.{ext}) hides a .{ext} file"
        elif ext in cfg.macro_extensions:
            why = f"{a.filename}: Office file with macros"
        elif ext in cfg.archive_extensions and cfg.lure_names.search(name):
            locked = encrypted_archive(a.payload) or bool(cfg.archive_password.search(text))
            if locked:
                why = f"{a.filename}: password-protected archive named like a business document"
        if why:
            out.append(FraudFlag("dangerous_attachment", why))
    return out
