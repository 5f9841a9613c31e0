"""What ``mailagent demo`` prints about search: a few searches over the demo mailbox, as the
search page and ``mailagent messages list --search`` run them (newest first)."""

from __future__ import annotations

from mailagent.app import App
from mailagent.messages.listing import MessageFilter, count_found, list_messages

__all__ = ["search_lines"]

SEARCHES = (
    ("4500123871", "a PO number"),
    ("SO20260088", "order SO-2026-0088, spelt differently"),
    ("Delamination", "a German word"),
    ("lighting fixtures", "English words of a Portuguese mail's translation"),
    ("铝基板", "Chinese"),
)


def search_lines(app: App) -> list[str]:
    out = ["", "search (web /search, or: mailagent messages list --search WORDS):"]
    for query, what in SEARCHES:
        flt = MessageFilter(text=query, per_page=3)
        total, more = count_found(app, flt)
        hits = list_messages(app, flt)
        found = ", ".join(f"#{r.id} {r.subject[:34]!r}" for r in hits)
        out.append(f"  {query!r} ({what}): {total}{'+' if more else ''} found; {found}")
    return out
