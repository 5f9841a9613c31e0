"""Display names of stored codes (intents, roles, states), as gettext message ids.

Templates call ``label(kind, code)``; unknown codes are shown as they are. The states of
drafts, deliveries and translations are keyed by their enums (``mailagent.records``): this
is the one place their Chinese and English names come from, and a test checks that every
state has one.
"""

from __future__ import annotations

from mailagent.records import (
    DraftState,
    OutboxState,
    TranslationJobState,
    TranslationStatus,
)
from mailagent.web.i18n import N_

__all__ = ["LABELS"]

LABELS: dict[str, dict[str, str]] = {
    "intent": {
        "inquiry": N_("Inquiry"),
        "order": N_("Order"),
        "complaint": N_("Complaint"),
        "payment": N_("Payment"),
        "other": N_("Other"),
    },
    "role": {
        "sales": N_("Sales"),
        "supervisor": N_("Supervisor"),
        "admin": N_("Administrator"),
    },
    "language": {"zh": N_("Chinese"), "en": N_("English")},
    # follow-up engine (issue 14)
    "followup": {
        "drafted": N_("Follow-up drafted"),
        "silent": N_("Gone silent"),
        "waiting": N_("Waiting"),
        "paused": N_("Paused (out of office)"),
        "exhausted": N_("No more tries"),
    },
    "ladder": {
        "none": N_("No reminder"),
        "paid": N_("Paid"),
        "claimed": N_("Customer says paid"),
        "waiting": N_("Not yet due"),
        "due": N_("Reminder due"),
        "done": N_("All reminders sent"),
    },
    "sla": {
        "running": N_("Running"),
        "paused": N_("Paused"),
        "warning": N_("Due soon"),
        "met": N_("Met"),
        "breached": N_("Breached"),
    },
    "draft": {
        DraftState.PENDING: N_("Awaiting review"),
        DraftState.APPROVED: N_("Approved"),
        DraftState.REJECTED: N_("Rejected"),
        DraftState.SENT: N_("Sent"),
        DraftState.FAILED: N_("Failed"),
        DraftState.SUPERSEDED: N_("Superseded"),
        DraftState.HELD: N_("Held: new mail, your choice"),
        DraftState.CLOSED: N_("Closed: answered in the thread"),
    },
    "delivery": {
        OutboxState.QUEUED: N_("Queued"),
        OutboxState.SENDING: N_("Sending"),
        OutboxState.SENT: N_("Sent"),
        OutboxState.FAILED: N_("Failed"),
        OutboxState.UNCONFIRMED: N_("Delivery unconfirmed"),
        OutboxState.HELD: N_("Scheduled for later"),
    },
    # a message's translation as a whole, and one reader's translation of it
    "translation": {
        TranslationStatus.NONE: N_("Not needed"),
        TranslationStatus.PENDING: N_("Pending"),
        TranslationStatus.DONE: N_("Translated"),
        TranslationStatus.FAILED: N_("Failed"),
        TranslationStatus.UNAVAILABLE: N_("No translation model"),
        TranslationJobState.QUEUED: N_("Queued"),
        TranslationJobState.RUNNING: N_("Translating"),
        TranslationJobState.NO_MODEL: N_("No translation model"),
    },
    "direction": {"inbound": N_("Incoming"), "outbound": N_("Sent by us")},
    "customer_status": {"customer": N_("Customer"), "prospect": N_("Prospect")},
    "disposition": {
        "process": N_("Processed"),
        "no_reply": N_("Machine-generated"),
        "duplicate": N_("Duplicate"),
        "filtered": N_("Not customer mail"),
        "hold": N_("Held: fraud warning"),
        "history": N_("History (before the cut-off)"),
    },
    "relevance": {
        "customer": N_("Customer mail"),
        "notification": N_("Notification"),
        "bulk": N_("Bulk / newsletter"),
        "solicitation": N_("Cold pitch"),
        "spam": N_("Spam"),
        "phishing": N_("Phishing"),
    },
    "fraud": {
        "lookalike_domain": N_("Look-alike domain"),
        "display_name_spoof": N_("Spoofed sender name"),
        "reply_to_domain": N_("Replies go to another domain"),
        "auth_failed": N_("Sender authentication failed"),
        "bank_change": N_("Bank account change"),
        "dangerous_attachment": N_("Dangerous attachment"),
    },
    # age and response-time buckets of the dashboard charts (reports/queries.py)
    "bucket": {
        "<1h": N_("< 1 h"),
        "<4h": N_("< 4 h"),
        "1-4h": N_("1–4 h"),
        "4-8h": N_("4–8 h"),
        "4-24h": N_("4–24 h"),
        "8-24h": N_("8–24 h"),
        "1-3d": N_("1–3 days"),
        ">3d": N_("> 3 days"),
        "unanswered": N_("Unanswered"),
    },
    # how the intent was decided (triage/stages/classify.py) and the mail filed (records.py)
    "decided_by": {
        "rule": N_("a rule"),
        "model": N_("the model"),
        "rule+model": N_("rules and the model"),
        "thread": N_("the thread"),
        "fallback": N_("fallback"),
        "manual": N_("a person"),
        "autoreply": N_("machine-generated mail"),
    },
    "link_method": {
        "contact": N_("by contact"),
        "domain": N_("by e-mail domain"),
        "thread": N_("by thread"),
        "order_number": N_("by order number"),
        "signature": N_("by signature"),
        "prospect": N_("new prospect"),
        "manual": N_("by hand"),
        "none": N_("not filed"),
    },
    "order_status": {
        "quoted": N_("Quoted"),
        "confirmed": N_("Confirmed"),
        "in_production": N_("In production"),
        "shipped": N_("Shipped"),
        "delivered": N_("Delivered"),
        "closed": N_("Closed"),
        "cancelled": N_("Cancelled"),
    },
    "column": {
        "id": N_("No."),
        "received": N_("Received"),
        "age (h)": N_("Age (h)"),
        "intent": N_("Intent"),
        "customer": N_("Customer"),
        "salesperson": N_("Salesperson"),
        "country": N_("Country"),
        "market": N_("Market"),
        "SLA": N_("SLA"),
        "subject": N_("Subject"),
        "total": N_("Total"),
        "oldest (h)": N_("Oldest (h)"),
        "measure": N_("Measure"),
        "value": N_("Value"),
        "messages": N_("Messages"),
        "answered": N_("Answered"),
        "unanswered": N_("Unanswered"),
        "p50 (h)": N_("Median (h)"),
        "p90 (h)": N_("90th percentile (h)"),
        "p95 (h)": N_("95th percentile (h)"),
        "mean (h)": N_("Mean (h)"),
        "median (h)": N_("Median (h)"),
        "response time": N_("Response time"),
        "share %": N_("Share %"),
        "policy": N_("Policy"),
        "clocks": N_("SLA clocks"),
        "met": N_("Met"),
        "breached": N_("Breached"),
        "open": N_("Open"),
        "compliance %": N_("Compliance %"),
        "inquiries": N_("Inquiries"),
        "converted": N_("Converted"),
        "rate %": N_("Rate %"),
        "unanswered (h)": N_("Unanswered (h)"),
    },
}

# conversations (issue 16, branch conversations)
LABELS["thread_view"] = {
    "open": N_("Inbox"),
    "mine": N_("Mine"),
    "unassigned": N_("Unassigned"),
    "snoozed": N_("Snoozed"),
    "done": N_("Done"),
    "junk": N_("Junk"),
    "all": N_("All"),
}
LABELS["thread_state"] = {
    "open": N_("Open"),
    "snoozed": N_("Snoozed"),
    "done": N_("Done"),
    "junk": N_("Junk"),
}
LABELS["snooze"] = {
    "reply": N_("until the customer replies"),
    "1d": N_("until tomorrow"),
    "3d": N_("for 3 days"),
    "7d": N_("for a week"),
}
LABELS.setdefault("audit", {}).update(
    {
        "thread.assigned": N_("assigned"),
        "thread.snoozed": N_("snoozed"),
        "thread.done": N_("marked done"),
        "thread.reopened": N_("back in the inbox"),
    }
)
