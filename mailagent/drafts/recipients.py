"""To / Cc / Bcc of a draft: parsed, validated, changed like an edit (audited).

``parse_addresses`` accepts what people type ("Name <a@b>, c@d; e@f") and refuses anything
that is not a plain ``local@domain`` address with a domain that has a dot, naming the bad
entry; a draft needs at least one To. Changing recipients takes an approved draft back to
review, exactly like editing its text.
"""

from __future__ import annotations

import re
from email.utils import getaddresses

from sqlalchemy import select

from mailagent.app import App
from mailagent.db import models as m
from mailagent.db import queries as q
from mailagent.errors import MailagentError, NotFound
from mailagent.records import DraftState, OutboxState

__all__ = ["RecipientError", "parse_addresses", "set_recipients"]

_ADDR = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
MAX_RECIPIENTS = 50


class RecipientError(MailagentError):
    """An address could not be used; the message names it (in English and Chinese)."""


def parse_addresses(text: str, field: str) -> list[dict[str, str]]:
    """``[{"name", "email"}]`` from a typed list; raises RecipientError naming the bad entry."""
    raw = [part for part in re.split(r"[;\n]", text or "") if part.strip()]
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    for name, addr in getaddresses(raw):
        addr = addr.strip()
        if not _ADDR.match(addr) or "\r" in name or "\n" in name:
            shown = addr or name or text.strip()
            raise RecipientError(
                f"{field}: {shown!r} is not a valid e-mail address / {field}：{shown!r} "
                "不是有效的邮箱地址"
            )
        if addr.lower() not in seen:
            seen.add(addr.lower())
            out.append({"name": name.strip(), "email": addr})
    if len(out) > MAX_RECIPIENTS:
        raise RecipientError(f"{field}: more than {MAX_RECIPIENTS} addresses")
    return out


def set_recipients(app: App, draft_id: int, to: str, cc: str, bcc: str, actor: str) -> bool:
    """Replace To/Cc/Bcc; returns False when nothing changed. Needs at least one To."""
    to_list = parse_addresses(to, "To")
    if not to_list:
        raise RecipientError("To: at least one recipient is needed / 收件人不能为空")
    cc_list, bcc_list = parse_addresses(cc, "Cc"), parse_addresses(bcc, "Bcc")
    now = app.clock()
    with app.sessions() as session, session.begin():
        d = session.get(m.Draft, draft_id)
        if d is None:
            raise NotFound(f"no draft with id {draft_id}")
        if d.status not in DraftState.editable():
            raise RecipientError(f"draft {d.id} is {d.status}: its recipients can no longer change")
        if (d.to_addrs, d.cc_addrs, d.bcc_addrs or []) == (to_list, cc_list, bcc_list):
            return False
        ob = session.scalar(select(m.Outbox).where(m.Outbox.draft_id == d.id))
        if ob is not None and ob.state == OutboxState.SENDING:
            raise RecipientError(f"draft {d.id} is being sent right now")
        if ob is not None:
            session.delete(ob)
        d.to_addrs, d.cc_addrs, d.bcc_addrs = to_list, cc_list, bcc_list
        d.status = DraftState.PENDING if d.status == DraftState.APPROVED else d.status
        d.updated_at = now
        q.audit(
            session,
            actor,
            "draft.recipients",
            now,
            d.message_pk,
            draft_id=d.id,
            to=[a["email"] for a in to_list],
            cc=[a["email"] for a in cc_list],
            bcc=[a["email"] for a in bcc_list],
        )
        return True
