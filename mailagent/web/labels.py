"""Display names of stored codes (intents, roles, states), as gettext message ids.

Templates call ``label(kind, code)``; unknown codes are shown as they are.
"""

from __future__ import annotations

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
    "sla": {
        "running": N_("Running"),
        "paused": N_("Paused"),
        "warning": N_("Due soon"),
        "met": N_("Met"),
        "breached": N_("Breached"),
    },
    "draft": {
        "pending": N_("Awaiting review"),
        "approved": N_("Approved"),
        "rejected": N_("Rejected"),
        "sending": N_("Sending"),
        "sent": N_("Sent"),
        "failed": N_("Failed"),
        "superseded": N_("Superseded"),
    },
    "translation": {
        "none": N_("Not needed"),
        "pending": N_("Pending"),
        "done": N_("Translated"),
        "failed": N_("Failed"),
        "unavailable": N_("No translation model"),
    },
    "direction": {"inbound": N_("Incoming"), "outbound": N_("Sent by us")},
    "customer_status": {"customer": N_("Customer"), "prospect": N_("Prospect")},
    "disposition": {
        "process": N_("Processed"),
        "no_reply": N_("Machine-generated"),
        "duplicate": N_("Duplicate"),
        "history": N_("History (before the cut-off)"),
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
