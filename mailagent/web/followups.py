"""Template helpers for the follow-up engine: the customer's local time beside their mail.

``customer_time_of_message(id)`` / ``customer_time_of_draft(id)`` are Jinja globals that
return "Fri 17:40 in Berlin, after hours" (or Chinese, by the page language), or "" when
the message is not filed to a customer. Errors never break a page: they give "".
"""

from __future__ import annotations

import logging

import jinja2
from jinja2 import pass_context
from jinja2.runtime import Context

from mailagent.followups.localview import draft_clock, message_clock

__all__ = ["install_followup_globals"]

log = logging.getLogger(__name__)


def install_followup_globals(env: jinja2.Environment) -> None:
    @pass_context
    def customer_time_of_message(context: Context, message_pk: int) -> str:
        app = context["request"].app.state.mailagent
        try:
            return message_clock(app, int(message_pk), app.clock(), context["lang"]) or ""
        except (ValueError, LookupError) as exc:
            log.warning("local time of message %s: %s", message_pk, exc)
            return ""

    @pass_context
    def customer_time_of_draft(context: Context, draft_id: int) -> str:
        app = context["request"].app.state.mailagent
        try:
            return draft_clock(app, int(draft_id), app.clock(), context["lang"]) or ""
        except (ValueError, LookupError) as exc:
            log.warning("local time of draft %s: %s", draft_id, exc)
            return ""

    env.globals["customer_time_of_message"] = customer_time_of_message
    env.globals["customer_time_of_draft"] = customer_time_of_draft
