"""Link stage: file a mail under a customer and, when possible, one of its orders.

Pure: every fact comes from the :class:`~mailagent.context.Directory` port and the
:class:`~mailagent.context.ThreadContext`; nothing is written (``services.py`` stores the
:class:`~mailagent.records.Link` and calls ``db.directory.create_prospect`` for prospects).

Evidence, strongest first: (1) the counterparty's exact contact address (the sender; for
mail sent from one of our own domains, the first outside recipient), (2) its company domain,
parent domains included, never a free-mail domain, (3) the thread, (4) order / PO / PI numbers
in the subject, new text and attachment names, (5) a fuzzy company name in the display name
or signature. A weaker piece of evidence never overrides a stronger one: it is reported and
the link is marked ``ambiguous`` (e.g. an order number that belongs to another customer).
The order is a number found in the mail, else the thread's order, else none. Every step adds
a human-readable reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mailagent.context import Directory, OrderInfo, ThreadContext
from mailagent.customers.keys import parent_domains
from mailagent.customers.names import match_names
from mailagent.records import Address, InboundMail, Intent, Link, LinkMethod
from mailagent.triage.stages.link.numbers import (
    FoundNumber,
    Hit,
    all_keys,
    find_numbers,
    pair_orders,
)

__all__ = ["NAME", "counterparty", "run"]

NAME = "link"

# Two signature matches closer than this are a tie: nobody can say which customer it is.
_TIE = 0.02


@dataclass(frozen=True, slots=True)
class _Who:
    """What the address alone says: one customer, several (``contested``) or none."""

    customer_id: int | None
    method: LinkMethod
    reasons: tuple[str, ...]
    contested: tuple[int, ...] = ()


class _Names:
    """Customer display names for reasons, looked up once per customer."""

    def __init__(self, directory: Directory) -> None:
        self._directory = directory
        self._cache: dict[int, str] = {}

    def __call__(self, customer_id: int) -> str:
        if customer_id not in self._cache:
            info = self._directory.customer(customer_id)
            self._cache[customer_id] = info.name if info else f"customer #{customer_id}"
        return self._cache[customer_id]


def _is_own(domain: str, own_domains: Sequence[str]) -> bool:
    return any(domain == d or domain.endswith("." + d) for d in own_domains)


def counterparty(mail: InboundMail, own_domains: Sequence[str]) -> tuple[Address | None, bool]:
    """The outside address to match and whether the mail is outgoing (from our domains)."""
    sender = mail.from_ or mail.sender
    if sender is None:
        return None, False
    own = tuple(d.lower() for d in own_domains)
    if not _is_own(sender.domain, own):
        return sender, False
    outside = [a for a in (*mail.to, *mail.cc) if not _is_own(a.domain, own)]
    return (outside[0] if outside else None), True


def _by_address(
    party: Address, directory: Directory, free_mail: frozenset[str], names: _Names
) -> _Who:
    email = party.email.lower()
    ids = tuple(dict.fromkeys(h.customer_id for h in directory.contacts_by_email(email)))
    if len(ids) == 1:
        return _Who(ids[0], LinkMethod.CONTACT, (f"contact {email} belongs to {names(ids[0])}",))
    if ids:
        listed = ", ".join(names(i) for i in ids)
        return _Who(None, LinkMethod.NONE, (f"contact {email} is listed for {listed}",), ids)
    domains = parent_domains(party.domain)
    if any(d in free_mail for d in domains):
        why = f"{party.domain} is a free-mail domain: not used to find the customer"
        return _Who(None, LinkMethod.NONE, (why,))
    for domain in domains:
        info = directory.customer_by_domain(domain)
        if info is not None:
            via = "" if domain == party.domain else f" (parent {domain})"
            why = f"domain {party.domain}{via} → {info.name}"
            return _Who(info.id, LinkMethod.DOMAIN, (why,))
    return _Who(None, LinkMethod.NONE, (f"no contact or customer domain matches {email}",))


def _order_reason(token: FoundNumber, order: OrderInfo) -> str:
    return f"order number {token.text} in {token.where} → order {order.order_no}"


def _with_customer(
    customer_id: int,
    method: LinkMethod,
    reasons: list[str],
    hits: Sequence[Hit],
    thread: ThreadContext | None,
    names: _Names,
) -> Link:
    """Choose the order for a known customer: number in the mail > thread's order > none."""
    ambiguous = False
    for token, order in hits:
        if order.customer_id != customer_id:
            other = names(order.customer_id)
            reasons.append(f"order {token.text} belongs to another customer ({other}): ignored")
            ambiguous = True
    if thread is not None and thread.customer_id not in (None, customer_id):
        reasons.append(
            f"the thread is filed under another customer ({names(thread.customer_id)}); "
            f"kept {names(customer_id)}"
        )
        ambiguous = True
    own = [(t, o) for t, o in hits if o.customer_id == customer_id]
    if own:
        token, order = own[0]
        reasons.append(_order_reason(token, order))
        if len(own) > 1:
            more = ", ".join(o.order_no for _, o in own[1:])
            reasons.append(f"also mentions {more}: filed under the first")
        return Link(
            customer_id, order.id, method, LinkMethod.ORDER_NUMBER, tuple(reasons), ambiguous
        )
    if thread is not None and thread.customer_id == customer_id and thread.order_id is not None:
        reasons.append("no order number in the mail: kept the thread's order")
        return Link(
            customer_id, thread.order_id, method, LinkMethod.THREAD, tuple(reasons), ambiguous
        )
    return Link(customer_id, None, method, LinkMethod.NONE, tuple(reasons), ambiguous)


def _settle_contested(
    candidates: tuple[int, ...],
    reasons: list[str],
    hits: Sequence[Hit],
    thread: ThreadContext | None,
    names: _Names,
) -> Link:
    """A shared address: order numbers and the thread decide if they agree on one candidate."""
    votes: dict[int, list[str]] = {}
    for token, order in hits:
        if order.customer_id in candidates:
            votes.setdefault(order.customer_id, []).append(f"order number {token.text}")
    if thread is not None and thread.customer_id in candidates:
        votes.setdefault(thread.customer_id, []).append("the thread")
    if len(votes) == 1:
        ((customer_id, evidence),) = votes.items()
        method = LinkMethod.THREAD if evidence == ["the thread"] else LinkMethod.ORDER_NUMBER
        reasons.append(f"{' and '.join(evidence)} point to {names(customer_id)}")
        return _with_customer(customer_id, method, reasons, hits, thread, names)
    if votes:
        split = "; ".join(f"{' and '.join(v)} → {names(c)}" for c, v in votes.items())
        reasons.append(f"the evidence disagrees ({split}): left unfiled")
    else:
        reasons.append("no order number or thread tells these customers apart: left unfiled")
    return Link(None, None, LinkMethod.NONE, LinkMethod.NONE, tuple(reasons), ambiguous=True)


def _by_name(
    mail: InboundMail,
    party: Address | None,
    outbound: bool,
    directory: Directory,
    reasons: list[str],
) -> Link | None:
    """Fuzzy company name in the display name or (incoming mail only) the signature."""
    lines = [party.name] if party is not None and party.name else []
    if not outbound:  # our own signature says nothing about the customer
        lines += mail.signature.splitlines()[:15]
    if not any(line.strip() for line in lines):
        return None
    matches = match_names(lines, directory.customer_names())
    if not matches:
        return None
    best = matches[0]
    ties = [m for m in matches if m.score >= best.score - _TIE]
    if len(ties) > 1:
        listed = ", ".join(f"{m.name} ({m.score:.2f})" for m in ties)
        reasons.append(f"company name in the signature fits several customers: {listed}")
        return Link(None, None, LinkMethod.NONE, LinkMethod.NONE, tuple(reasons), ambiguous=True)
    reasons.append(f"company name {best.line!r} ≈ {best.name} (similarity {best.score:.2f})")
    return Link(best.customer_id, None, LinkMethod.SIGNATURE, LinkMethod.NONE, tuple(reasons))


def run(
    mail: InboundMail,
    directory: Directory,
    thread: ThreadContext | None,
    *,
    intent: Intent | None,
    free_mail_domains: frozenset[str],
    own_domains: tuple[str, ...],
) -> Link:
    """Decide customer and order for ``mail``; see the module docstring for the rules."""
    names = _Names(directory)
    party, outbound = counterparty(mail, own_domains)
    reasons: list[str] = []
    who = _Who(None, LinkMethod.NONE, ())
    if party is None:
        reasons.append("internal mail: no outside address" if outbound else "no sender address")
    else:
        if outbound:
            reasons.append(f"outgoing mail: matched on recipient {party.email}")
        who = _by_address(party, directory, free_mail_domains, names)
    reasons.extend(who.reasons)
    found = find_numbers(mail)
    hits = pair_orders(found, directory.orders_by_numbers(all_keys(found)) if found else ())

    if who.customer_id is not None:
        return _with_customer(who.customer_id, who.method, reasons, hits, thread, names)
    if who.contested:
        return _settle_contested(who.contested, reasons, hits, thread, names)
    if thread is not None and thread.customer_id is not None:
        reasons.append(f"same thread as mail filed under {names(thread.customer_id)}")
        return _with_customer(thread.customer_id, LinkMethod.THREAD, reasons, hits, thread, names)
    owners = list(dict.fromkeys(order.customer_id for _, order in hits))
    if len(owners) == 1:
        reasons.append(f"order numbers in the mail belong to {names(owners[0])}")
        return _with_customer(owners[0], LinkMethod.ORDER_NUMBER, reasons, hits, thread, names)
    if owners:
        listed = "; ".join(f"{t.text} → {names(o.customer_id)}" for t, o in hits)
        reasons.append(f"order numbers of several customers ({listed}): left unfiled")
        return Link(None, None, LinkMethod.NONE, LinkMethod.NONE, tuple(reasons), ambiguous=True)
    named = _by_name(mail, party, outbound, directory, reasons)
    if named is not None:
        return named
    if intent is Intent.INQUIRY and party is not None and not outbound:
        reasons.append(f"unknown sender {party.email} of an inquiry: new prospect")
        return Link(None, None, LinkMethod.PROSPECT, LinkMethod.NONE, tuple(reasons))
    reasons.append("no contact, domain, thread, order number or company name matched")
    return Link(None, None, LinkMethod.NONE, LinkMethod.NONE, tuple(reasons))
