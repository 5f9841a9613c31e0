"""Stored reasons, notes and audit events, rendered in the reader's language.

The pipeline records *why* as short English sentences of a closed set of shapes
("rule order.status: text contains 'awb' (vocab order_status/en)", "breached: due
2026-11-03 18:00 CST, overdue by 96h 00m", "draft.created"). :func:`render_reason` matches a
stored sentence against :data:`PATTERNS` (one regex per shape, named groups for the values)
and fills the shape's gettext message id with the values, so the reader sees the sentence
in Chinese or English. Group prefixes say how a value is shown: ``w_`` a word translated
through :data:`WORDS`, ``r_`` a nested reason rendered the same way, ``d_`` a duration
("3h 05m"), ``h_`` a public holiday's name (looked up again in the reader's language); any
other value (rule ids, addresses, numbers, quoted mail text) is shown as it is. A sentence
of no known shape is shown unchanged; the zh walk test fails on those in the demo.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from functools import lru_cache

from markupsafe import escape

from mailagent.web.i18n import N_

__all__ = ["PATTERNS", "WORDS", "audit_label", "render_duration", "render_reason"]

Translate = Callable[[str], str]

_AT = r"(?P<at>\d{4}-\d\d-\d\d \d\d:\d\d(?: [A-Z+\-0-9]+)?)"
_AT2 = _AT.replace("<at>", "<at2>")
_DUR = r"-?(?:\d+h \d\dm|\d+m)"

# (regex, msgid); the regex must match the whole stored sentence
_RAW: tuple[tuple[str, str], ...] = (
    # classification (triage/stages/classify.py, review.py)
    (
        r"rule (?P<rule>\S+): (?P<w_field>\w+) (?P<w_op>contains|matches) (?P<value>.+?)"
        r" \(vocab (?P<vocab>[^)]+)\)",
        N_("rule %(rule)s: %(w_field)s %(w_op)s %(value)s (vocabulary %(vocab)s)"),
    ),
    (
        r"rule (?P<rule>\S+): (?P<w_field>\w+) (?P<w_op>contains|matches) (?P<value>.+)",
        N_("rule %(rule)s: %(w_field)s %(w_op)s %(value)s"),
    ),
    (r"rule (?P<rule>\S+): (?P<r_rest>.+)", N_("rule %(rule)s: %(r_rest)s")),
    (r"model: (?P<w_intent>\w+) (?P<score>[\d.]+)", N_("model: %(w_intent)s %(score)s")),
    (
        r"thread: previous message was (?P<w_intent>\w+)",
        N_("thread: the previous message was %(w_intent)s"),
    ),
    (r"no rule matched and no model loaded", N_("no rule matched and no model loaded")),
    (
        r"thread prior not applied: rule (?P<rule>\S+) is strong evidence for (?P<w_intent>\w+)",
        N_(
            "the thread's intent was not applied: rule %(rule)s is strong evidence for %(w_intent)s"
        ),
    ),
    (
        r"no rule matched and model confidence (?P<score>[\d.]+) < (?P<min>[\d.]+)",
        N_("no rule matched and the model's confidence %(score)s is below %(min)s"),
    ),
    (
        r"machine-generated \((?P<w_kind>\w+)\): (?P<header>.+)",
        N_("machine-generated (%(w_kind)s): %(header)s"),
    ),
    (
        r"no reply: machine-generated \((?P<w_kind>\w+)\)",
        N_("no reply: machine-generated (%(w_kind)s)"),
    ),
    (r"no clear intent: fell back to other", N_("no clear intent: fell back to other")),
    (
        r"confidence (?P<score>[\d.]+) below (?P<min>[\d.]+)",
        N_("confidence %(score)s below %(min)s"),
    ),
    (
        r"(?P<w_a>\w+) (?P<sa>[\d.]+) and (?P<w_b>\w+) (?P<sb>[\d.]+) are closer than "
        r"(?P<m>[\d.]+)",
        N_("%(w_a)s %(sa)s and %(w_b)s %(sb)s are closer than %(m)s"),
    ),
    # filing (triage/stages/link/filing.py)
    (
        r"order number (?P<token>.+?) in (?P<w_where>subject|text|attachment names?)"
        r" → order (?P<order>\S+)",
        N_("order number %(token)s in the %(w_where)s → order %(order)s"),
    ),
    (
        r"contact (?P<email>\S+) belongs to (?P<customer>.+)",
        N_("contact %(email)s belongs to %(customer)s"),
    ),
    (
        r"no contact or customer domain matches (?P<email>\S+)",
        N_("no contact or customer domain matches %(email)s"),
    ),
    (
        r"no contact, domain, thread, order number or company name matched",
        N_("no contact, domain, thread, order number or company name matched"),
    ),
    (
        r"outgoing mail: matched on recipient (?P<email>\S+)",
        N_("outgoing mail: matched on recipient %(email)s"),
    ),
    (r"internal mail: no outside address", N_("internal mail: no outside address")),
    (r"no sender address", N_("no sender address")),
    (
        r"order numbers in the mail belong to (?P<customer>.+)",
        N_("order numbers in the mail belong to %(customer)s"),
    ),
    (
        r"unknown sender (?P<email>\S+) of an inquiry: new prospect",
        N_("unknown sender %(email)s of an inquiry: new prospect"),
    ),
    (
        r"same thread as mail filed under (?P<customer>.+)",
        N_("same thread as mail filed under %(customer)s"),
    ),
    (
        r"no order number in the mail: kept the thread's order",
        N_("no order number in the mail: kept the thread's order"),
    ),
    (
        r"also mentions (?P<more>.+): filed under the first",
        N_("also mentions %(more)s: filed under the first"),
    ),
    # relevance gate (triage/stages/relevance.py)
    (
        r"customer: no junk category reached its threshold",
        N_("customer mail: no junk category reached its threshold"),
    ),
    (r"customer: our own mail \((?P<domain>[^)]+)\)", N_("our own mail (%(domain)s)")),
    (
        r"relationship (?P<score>-[\d.]+) known_contact: (?P<email>\S+) is a contact of a "
        r"customer",
        N_("relationship %(score)s: %(email)s is a contact of a customer"),
    ),
    (
        r"relationship (?P<score>-[\d.]+) we_wrote: we have written to (?P<email>\S+) before",
        N_("relationship %(score)s: we have written to %(email)s before"),
    ),
    (
        r"relationship (?P<score>-[\d.]+) our_thread: the thread holds our own earlier mail",
        N_("relationship %(score)s: the thread holds our own earlier mail"),
    ),
    (
        r"relationship ignored: the sender impersonates a customer or contact",
        N_("relationship ignored: the sender impersonates a customer or contact"),
    ),
    (
        r"(?P<w_cat>customer|notification|bulk|solicitation|spam|phishing): score "
        r"(?P<score>[\d.]+) >= (?P<min>[\d.]+)",
        N_("%(w_cat)s: score %(score)s ≥ %(min)s"),
    ),
    (
        r"notification: machine-generated \((?P<w_kind>\w+): (?P<header>.+)\)",
        N_("notification: machine-generated (%(w_kind)s: %(header)s)"),
    ),
    (
        r"(?P<w_cat>notification|bulk|solicitation|spam|phishing) (?P<score>[+-][\d.]+) "
        r"(?P<rule>\S+): (?P<r_rest>.+)",
        N_("%(w_cat)s %(score)s, rule %(rule)s: %(r_rest)s"),
    ),
    (r"has (?P<header>[A-Za-z-]+)", N_("has the header %(header)s")),
    (r"text (?P<value>'.*)", N_("text %(value)s")),
    (r"system sender (?P<email>\S+)", N_("system sender %(email)s")),
    (r"(?P<header>[A-Z][A-Za-z-]+): (?P<value>'.*')", N_("header %(header)s: %(value)s")),
    (r"sender (?P<email>\S+): (?P<r_rest>.+)", N_("sender %(email)s: %(r_rest)s")),
    # fraud checks (triage/stages/fraud.py, lookalike.py)
    (
        r"(?P<cand>\S+) has the name of (?P<known>\S+) under another top-level domain",
        N_("%(cand)s has the name of %(known)s under another top-level domain"),
    ),
    (
        r"(?P<cand>\S+) is an internationalised \(punycode\) copy of (?P<known>\S+)",
        N_("%(cand)s is an internationalised (punycode) copy of %(known)s"),
    ),
    (
        r"(?P<cand>\S+) uses (?P<known>\S+) as a sub-domain of another domain",
        N_("%(cand)s uses %(known)s as a sub-domain of another domain"),
    ),
    (
        r"(?P<cand>\S+) is (?P<known>\S+) with hyphens changed",
        N_("%(cand)s is %(known)s with hyphens changed"),
    ),
    (
        r"(?P<cand>\S+) imitates (?P<known>\S+) with look-alike characters",
        N_("%(cand)s imitates %(known)s with look-alike characters"),
    ),
    (
        r"(?P<cand>\S+) differs from (?P<known>\S+) by (?P<n>\d+) letter\(s\)",
        N_("%(cand)s differs from %(known)s by %(n)s letter(s)"),
    ),
    (
        r"the display name shows (?P<shown>.+) but the address is (?P<email>\S+)",
        N_("the display name shows %(shown)s but the address is %(email)s"),
    ),
    (
        r"(?P<name>'.*') is the name of our contact (?P<contact>\S+?)(?: of (?P<customer>.+?))?, "
        r"but this mail comes from (?P<email>\S+)",
        N_(
            "%(name)s is the name of our contact %(contact)s %(customer)s, but this mail comes "
            "from %(email)s"
        ),
    ),
    (
        r"replies would go to (?P<other>\S+) \((?P<w_kind>a free-mail address|another domain)\),"
        r" not to the sender (?P<email>\S+)",
        N_("replies would go to %(other)s (%(w_kind)s), not to the sender %(email)s"),
    ),
    (
        r"announces changed bank details \((?P<value>.+)\): confirm by phone with a number you "
        r"already have before paying or shipping",
        N_(
            "announces changed bank details (%(value)s): confirm by phone with a number you "
            "already have before paying or shipping"
        ),
    ),
    (
        r"(?P<domain>\S+) is a customer's domain but the check failed \((?P<fails>.+)\)",
        N_("%(domain)s is a customer's domain but the check failed (%(fails)s)"),
    ),
    (
        r"(?P<file>.+): \.(?P<ext>\w+) files can run code or imitate a log-in page",
        N_("%(file)s: .%(ext)s files can run code or imitate a log-in page"),
    ),
    (
        r"(?P<file>.+): double extension \((?P<exts>\S+)\) hides a \.(?P<ext>\w+) file",
        N_("%(file)s: a double extension (%(exts)s) hides a .%(ext)s file"),
    ),
    (r"(?P<file>.+): Office file with macros", N_("%(file)s: Office file with macros")),
    (
        r"(?P<file>.+): password-protected archive named like a business document",
        N_("%(file)s: password-protected archive named like a business document"),
    ),
    # SLA clocks (sla/clock.py)
    (r"measured in team time \((?P<tz>[^)]+)\)", N_("measured in team time (%(tz)s)")),
    (
        r"measured in the customer's time \((?P<tz>[^)]+)\)",
        N_("measured in the customer's time (%(tz)s)"),
    ),
    (
        r"customer's public holidays \((?P<cc>[^)]+)\) also not counted",
        N_("the customer's public holidays (%(cc)s) are not counted either"),
    ),
    (
        r"policy (?P<policy>\S+): (?P<w_intent>\w+) answered within (?P<d_target>.+?)"
        r" \((?P<cal>\S+) calendar\)",
        N_("policy %(policy)s: %(w_intent)s answered within %(d_target)s (calendar %(cal)s)"),
    ),
    (
        r"policy (?P<policy>\S+): (?P<w_intent>\w+) relayed internally within "
        r"(?P<d_target>.+?) \((?P<cal>\S+) calendar\)",
        N_(
            "policy %(policy)s: %(w_intent)s relayed internally within %(d_target)s "
            "(calendar %(cal)s)"
        ),
    ),
    (
        r"calendar (?P<cal>\S+) \((?P<days>[a-z,]+) (?P<hours>[\d:, -]+); holidays "
        r"(?P<cc>[A-Z, ]+)\)",
        N_("calendar %(cal)s (%(days)s %(hours)s; public holidays %(cc)s)"),
    ),
    (rf"arrived {_AT}", N_("arrived %(at)s")),
    (
        rf"outside working time: clock runs from {_AT}",
        N_("outside working time: the clock runs from %(at)s"),
    ),
    (
        r"(?P<day>\d{4}-\d\d-\d\d) not counted: (?P<h_name>.+) \((?P<cc>[A-Z]{2})\)",
        N_("%(day)s not counted: %(h_name)s (%(cc)s)"),
    ),
    (
        r"(?P<day>\d{4}-\d\d-\d\d) counted: make-up working day \((?P<cc>[A-Z]{2})\)",
        N_("%(day)s counted: make-up working day (%(cc)s)"),
    ),
    (
        rf"first reply sent {_AT} \(message #(?P<n>\d+)\)",
        N_("first reply sent %(at)s (message #%(n)s)"),
    ),
    (
        rf"relayed internally {_AT} \(message #(?P<n>\d+)\)",
        N_("relayed internally %(at)s (message #%(n)s)"),
    ),
    (rf"first reply sent {_AT}", N_("first reply sent %(at)s")),
    (rf"relayed internally {_AT}", N_("relayed internally %(at)s")),
    (rf"met: due {_AT}, (?P<d_left>{_DUR}) to spare", N_("met: due %(at)s, %(d_left)s to spare")),
    (rf"breached: due {_AT}, (?P<d_left>{_DUR}) late", N_("breached: due %(at)s, %(d_left)s late")),
    (
        rf"breached: due {_AT}, overdue by (?P<d_left>{_DUR})",
        N_("breached: due %(at)s, overdue by %(d_left)s"),
    ),
    (
        rf"paused with (?P<d_left>{_DUR}) left: due {_AT} if resumed now",
        N_("paused with %(d_left)s left: due %(at)s if resumed now"),
    ),
    (
        rf"due {_AT} \((?P<d_left>{_DUR}) business time left\)",
        N_("due %(at)s (%(d_left)s of working time left)"),
    ),
    # pauses while we wait on the customer (sla/clock.py _timeline); notes stay as written
    (
        rf"waiting on customer from {_AT}(?P<tail>(?: \(.*\))?): policy does not pause",
        N_("waiting on the customer from %(at)s%(tail)s: the policy does not pause"),
    ),
    (
        rf"paused {_AT} to {_AT2}: waiting on customer(?P<tail>.*)",
        N_("paused %(at)s to %(at2)s: waiting on the customer%(tail)s"),
    ),
    (
        rf"paused since {_AT}: waiting on customer(?P<tail>.*)",
        N_("paused since %(at)s: waiting on the customer%(tail)s"),
    ),
    (
        rf"paused {_AT} until the stop: waiting on customer(?P<tail>.*)",
        N_("paused %(at)s until the stop: waiting on the customer%(tail)s"),
    ),
    # delivery errors (send/outbox.py, send/smtp.py): the server's own answer stays as it is
    (
        r"gave up after (?P<n>\d+) attempts: (?P<r_error>.+)",
        N_("gave up after %(n)s attempts: %(r_error)s"),
    ),
    (
        r"attempt (?P<n>\d+)/(?P<max>\d+) failed: (?P<r_error>.+); next (?P<at>\d\d:\d\d)",
        N_("attempt %(n)s of %(max)s failed: %(r_error)s; next attempt at %(at)s"),
    ),
    (r"auth: (?P<r_error>.+)", N_("log-in refused: %(r_error)s")),
    (
        r"(?P<where>SMTP \S+ \(\w+\)): recipients refused: (?P<answer>.+)",
        N_("%(where)s: recipients refused: %(answer)s"),
    ),
    (
        r"(?P<where>SMTP \S+ \(\w+\)): authentication failed: (?P<answer>.+)",
        N_("%(where)s: log-in failed: %(answer)s"),
    ),
    (
        r"(?P<where>SMTP \S+ \(\w+\)): "
        r"(?P<kind>[A-Z]\w+(?:Error|Exception|Timeout)\w*): (?P<answer>.*)",
        N_("%(where)s: connection problem (%(kind)s): %(answer)s"),
    ),
    (
        r"(?P<where>SMTP \S+ \(\w+\)): (?P<answer>[2-5]\d\d\b.*)",
        N_("%(where)s: the server answered %(answer)s"),
    ),
    # errors shown after a refused action (re-file, approve, ...)
    (r"no customer with code (?P<code>.+)", N_("no customer with the code %(code)s")),
    (r"no order (?P<order>'.+')", N_("no order %(order)s")),
    (
        r"order (?P<order>\S+) belongs to another customer",
        N_("order %(order)s belongs to another customer"),
    ),
    (r"unknown intent (?P<intent>.+)", N_("unknown intent %(intent)s")),
    (
        r"draft (?P<id>\d+) still has (?P<n>\d+) placeholder\(s\) to fill in before it can be "
        r"approved: (?P<holes>.+)",
        N_(
            "draft %(id)s still has %(n)s placeholder(s) to fill in before it can be approved: "
            "%(holes)s"
        ),
    ),
    (r"draft (?P<id>\d+) has no recipient", N_("draft %(id)s has no recipient")),
    # draft notes (drafts/plan.py, prepare.py, promises.py, pricing.py)
    (r"reply to the sender", N_("reply to the sender")),
    (r"reply to Reply-To", N_("reply to the Reply-To address")),
    (r"reply to all", N_("reply to all")),
    (r"template for intent (?P<w_intent>\w+)", N_("template for the intent %(w_intent)s")),
    (
        r"language (?P<code>[a-z]{2,3}): the language the customer wrote in",
        N_("language %(code)s: the language the customer wrote in"),
    ),
    (
        r"promised dates count working time from now in (?P<r_cal>.+)",
        N_("promised dates count working time from now in the calendar %(r_cal)s"),
    ),
    (
        r"no work calendar \(rules/sla.toml\): promised dates count plain time",
        N_("no work calendar (rules/sla.toml): promised dates count plain time"),
    ),
    (
        r"dates shown in the customer's time zone \((?P<tz>[^)]+)\)",
        N_("dates shown in the customer's time zone (%(tz)s)"),
    ),
    (r"ask (?P<ask>\w+): (?P<value>.+)", N_("the customer asks (%(ask)s): %(value)s")),
    (r"reference: order number (?P<ref>\S+)", N_("reference: order number %(ref)s")),
    (r"new reference (?P<ref>\S+)", N_("new reference %(ref)s")),
    (r"reference (?P<ref>\S+) of the thread", N_("reference %(ref)s of the thread")),
    (r"reference (?P<ref>\S+) from the subject", N_("reference %(ref)s from the subject")),
    (r"complaint relay to Quality", N_("complaint relayed to Quality")),
    (
        r"translation pending: the relay shows the original text",
        N_("translation pending: the relay shows the original text"),
    ),
    (
        r"line (?P<n>\d+): customer item, not in the price list: price it by hand"
        r" \(nearest list item (?P<item>.+)\)",
        N_(
            "line %(n)s: customer item, not in the price list: price it by hand "
            "(nearest list item %(item)s)"
        ),
    ),
    (
        r"line (?P<n>\d+): customer item, not in the price list: price it by hand",
        N_("line %(n)s: customer item, not in the price list: price it by hand"),
    ),
    (r"line (?P<n>\d+): (?P<r_rest>.+)", N_("line %(n)s: %(r_rest)s")),
    (
        r"customer item, not in the price list: price it by hand "
        r"\(nearest list item (?P<item>.+)\)",
        N_("customer item, not in the price list: price it by hand (nearest list item %(item)s)"),
    ),
    (
        r"customer item, not in the price list: price it by hand",
        N_("customer item, not in the price list: price it by hand"),
    ),
    (
        r"unknown product code (?P<code>\S+): not in the price list",
        N_("unknown product code %(code)s: not in the price list"),
    ),
    (r"no quantity found for (?P<code>\S+)", N_("no quantity found for %(code)s")),
    (
        r"(?P<qty>[\d,]+) (?P<unit>\S+) is below the MOQ of (?P<moq>[\d,]+)",
        N_("%(qty)s %(unit)s is below the minimum order quantity of %(moq)s"),
    ),
    (
        r"no price break covers (?P<qty>[\d,]+) (?P<unit>\S+)",
        N_("no price break covers %(qty)s %(unit)s"),
    ),
    (
        r"(?P<amount>[\d,.]+ [A-Z]{3}) outstanding, due (?P<day>\d{4}-\d\d-\d\d), "
        r"(?P<n>\d+) day\(s\) overdue",
        N_("%(amount)s outstanding, due %(day)s, %(n)s day(s) overdue"),
    ),
    (
        r"skipped \(fell due together\): (?P<steps>.+)",
        N_("skipped (fell due together): %(steps)s"),
    ),
    (
        r"step (?P<step>\S+) \(final\) due since (?P<day>\d{4}-\d\d-\d\d)",
        N_("step %(step)s (the last) due since %(day)s"),
    ),
    # payment ladder (followups/ladder.py)
    (r"order is (?P<w_status>\w+)", N_("the order is %(w_status)s")),
    (r"no amount on the order", N_("no amount on the order")),
    (r"no due date on the order", N_("no due date on the order")),
    (r"paid in full \((?P<amount>[^)]+)\)", N_("paid in full (%(amount)s)")),
    (
        r"the customer says it is paid: waiting for the salesperson to confirm the payment",
        N_("the customer says it is paid: waiting for the salesperson to confirm the payment"),
    ),
    (
        r"(?P<amount>[\d,.]+ [A-Z]{3}) outstanding, due (?P<day>\d{4}-\d\d-\d\d)",
        N_("%(amount)s outstanding, due %(day)s"),
    ),
    (r"steps already drafted: (?P<steps>.+)", N_("steps already drafted: %(steps)s")),
    (r"every step was drafted", N_("every step was drafted")),
    (
        r"next step (?P<step>\S+) on (?P<day>\d{4}-\d\d-\d\d)",
        N_("next step %(step)s on %(day)s"),
    ),
    (
        r"step (?P<step>\S+) \((?P<tone>\w+)\) due since (?P<day>\d{4}-\d\d-\d\d)",
        N_("step %(step)s (%(tone)s) due since %(day)s"),
    ),
    # follow-ups (followups/report.py, service.py)
    (r"(?P<w_kind>\w+) try (?P<n>\d+)", N_("%(w_kind)s, try %(n)s")),
    (r"try (?P<n>\d+)", N_("try %(n)s")),
    (
        r"(?P<cal>[\w-]+) \((?P<days>[a-z,]+) (?P<hours>[\d:, -]+); holidays (?P<cc>[A-Z, ]+)\)",
        N_("%(cal)s (%(days)s %(hours)s; public holidays %(cc)s)"),
    ),
    (r"last step: escalated to the supervisors", N_("last step: escalated to the supervisors")),
    (
        r"payment reminder: (?P<order>\S+) open (?P<amount>[A-Z]{3} [\d,.]+), (?P<n>\d+) days "
        r"past due (?P<day>\d{4}-\d\d-\d\d)",
        N_("payment reminder: %(order)s open %(amount)s, %(n)s days past due %(day)s"),
    ),
    (r"payment ladder: step (?P<step>\S+)", N_("payment reminder ladder: step %(step)s")),
    (r"follow-up: rule (?P<rule>\S+)", N_("follow-up: rule %(rule)s")),
    (
        r"our (?P<day>\d{4}-\d\d-\d\d) message is a quote \((?P<why>.+)\)",
        N_("our message of %(day)s is a quote (rule: “%(why)s”)"),
    ),
    (
        r"(?P<n>\d+) business day\(s\) of (?P<cc>[A-Z]{2}) after (?P<a>\d{4}-\d\d-\d\d) is "
        r"(?P<b>\d{4}-\d\d-\d\d)",
        N_("%(n)s working day(s) in %(cc)s after %(a)s is %(b)s"),
    ),
    (
        r"one reply for the (?P<n>\d+) unanswered messages of the thread: (?P<list>.+?); "
        r"intent (?P<w_intent>\w+) / .+",
        N_(
            "one reply for the %(n)s unanswered messages of the thread: %(list)s; "
            "intent %(w_intent)s"
        ),
    ),
    (
        r"(?P<k>\d+) older unanswered messages of the thread were not merged into this reply "
        r"\(only the (?P<n>\d+) most recent are\): #(?P<first>\d+) to #(?P<last>\d+); "
        r"sending it marks them answered too / .+",
        N_(
            "%(k)s older unanswered messages of the thread were not merged into this reply "
            "(only the %(n)s most recent are): #%(first)s to #%(last)s; sending it marks them "
            "answered too"
        ),
    ),
    (r"draft (?P<kind>\w+) in (?P<code>[a-z]{2,3})", N_("draft %(kind)s in %(code)s")),
    (r"translation added", N_("translation added")),
    (r"generated", N_("generated")),
    (r"edited", N_("edited")),
    (r"composed \((?P<w_mode>\w+)\)", N_("composed (%(w_mode)s)")),
)

PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(rx, re.DOTALL), msgid) for rx, msgid in _RAW
)

WORDS: dict[str, str] = {
    # intents inside a sentence: lower case, as stored (the labels are capitalised)
    "inquiry": N_("inquiry"),
    "order": N_("order"),
    "complaint": N_("complaint"),
    "payment": N_("payment"),
    "other": N_("other"),
    "text": N_("text"),
    "subject": N_("subject"),
    "body": N_("body"),
    "attachment_names": N_("attachment names"),
    "attachment name": N_("attachment names"),
    "attachment names": N_("attachment names"),
    "contains": N_("contains"),
    "matches": N_("matches"),
    "customer": N_("customer mail"),
    "notification": N_("notification"),
    "bulk": N_("bulk mail"),
    "solicitation": N_("cold pitch"),
    "spam": N_("spam"),
    "phishing": N_("phishing"),
    "bounce": N_("bounce"),
    "auto_reply": N_("automatic reply"),
    "list": N_("mailing list"),
    "none": N_("none"),
    "reply": N_("reply"),
    "reply_all": N_("reply to all"),
    "forward": N_("forward"),
    "new": N_("new mail"),
    "mon": N_("Mon"),
    "tue": N_("Tue"),
    "wed": N_("Wed"),
    "thu": N_("Thu"),
    "fri": N_("Fri"),
    "sat": N_("Sat"),
    "sun": N_("Sun"),
    "cancelled": N_("cancelled"),
    "closed": N_("closed"),
    "quote": N_("quotation"),
    "a free-mail address": N_("a free-mail address"),
    "another domain": N_("another domain"),
}

AUDIT: dict[str, str] = {
    "draft.created": N_("draft created"),
    "draft.edited": N_("draft edited"),
    "draft.approved": N_("draft approved"),
    "draft.rejected": N_("draft rejected"),
    "draft.sent": N_("draft sent"),
    "draft.failed": N_("sending failed"),
    "draft.send_retry": N_("sending retried"),
    "draft.scheduled": N_("sending scheduled"),
    "draft.recipients": N_("recipients changed"),
    "draft.attached": N_("attachment added"),
    "draft.detached": N_("attachment removed"),
    "draft.chosen": N_("draft chosen for the thread"),
    "draft.error": N_("drafting failed"),
    "draft.closed": N_("draft closed: answered in the thread"),
    "draft.superseded": N_("draft superseded"),
    "draft.held": N_("draft held: new mail"),
    "fraud.acknowledged": N_("fraud warning acknowledged"),
    "message.refile": N_("message re-filed"),
    "customer.prospect_created": N_("new prospect created"),
    "contact.preferences": N_("contact preferences changed"),
    "payment.claimed": N_("customer says paid"),
    "payment.confirmed": N_("payment confirmed"),
    "payment.recorded": N_("payment recorded"),
    "order.updated": N_("order updated"),
    "sla.acknowledged": N_("SLA breach acknowledged"),
    "sla.cancelled": N_("SLA clock cancelled"),
    "sla.escalated": N_("SLA escalated"),
    "sla.relayed": N_("SLA relayed"),
    "sla.resume": N_("SLA clock resumed"),
    "sla.wait": N_("SLA clock paused"),
    "sla.warned": N_("SLA warning sent"),
    "user.create": N_("user created"),
    "user.password": N_("password changed"),
    "user.update": N_("user changed"),
}

_DURATION = re.compile(r"(-?)(?:(\d+)h )?(\d+)m")
_HOURS = re.compile(r"(\d+)h")
_DAYS = re.compile(r"(\d+) working days?")


def render_duration(text: str, _: Translate) -> str:
    """``"96h 00m"`` → ``"96 小时 00 分"`` in Chinese; other text unchanged."""
    if hours_only := _HOURS.fullmatch(text.strip()):
        return _(N_("%(h)s h")) % {"h": hours_only.group(1)}
    if days := _DAYS.fullmatch(text.strip()):
        return _(N_("%(n)s working day(s)")) % {"n": days.group(1)}
    found = _DURATION.fullmatch(text.strip())
    if found is None:
        return text
    sign, hours, minutes = found.groups()
    if hours:
        return sign + _(N_("%(h)s h %(m)s min")) % {"h": hours, "m": minutes}
    return sign + _(N_("%(m)s min")) % {"m": minutes}


@lru_cache(maxsize=256)
def _holiday_name(day: str, country: str, lang: str) -> str | None:
    import holidays

    if not re.fullmatch(r"\d{4}-\d\d-\d\d", day):
        return None

    language = {"zh": "zh_CN", "en": "en_US"}.get(lang)
    try:
        table = holidays.country_holidays(country, years=int(day[:4]), language=language)
    except (NotImplementedError, KeyError, ValueError):
        return None
    name = table.get(date.fromisoformat(day))
    return str(name) if name else None


def render_reason(
    text: object, _: Translate, lang: str, keep: Callable[[str], str] | None = None
) -> str:
    """One stored reason in the reader's language (unchanged when of no known shape).

    ``keep`` (for HTML) receives every value shown as it is (quoted mail text, addresses,
    rule ids) and every translated word (then already escaped by it), so a page can mark
    what stays in the writer's language; without it the result is plain text.
    """
    if not isinstance(text, str):
        return "" if text is None else str(text)
    stripped = text.strip()
    for rx, msgid in PATTERNS:
        found = rx.fullmatch(stripped)
        if found is None:
            continue
        raw = {k: v or "" for k, v in found.groupdict().items()}
        values = dict(raw)
        for key, value in raw.items():
            if key.startswith("w_"):
                word = WORDS.get(value)
                values[key] = _own(_(word), keep) if word else _as_is(value, keep)
            elif key.startswith("r_"):
                values[key] = render_reason(value, _, lang, keep)
            elif key.startswith("d_"):
                values[key] = _own(render_duration(value, _), keep)
            elif key.startswith("h_"):
                name = _holiday_name(raw.get("day", ""), raw.get("cc", ""), lang)
                values[key] = _own(name, keep) if name else _as_is(value, keep)
            elif key == "days":
                values[key] = _own(",".join(_(WORDS.get(d, d)) for d in value.split(",")), keep)
            else:
                values[key] = _as_is(value, keep)
        return _own(_(msgid), keep) % values
    word = WORDS.get(stripped)
    if word:
        return _own(_(word), keep)
    return _as_is(text, keep)


def _as_is(value: str, keep: Callable[[str], str] | None) -> str:
    """A value shown in the writer's words (marked by ``keep`` when given; numbers and
    other values without letters are in no language: only escaped)."""
    if keep is None:
        return value
    return keep(value) if any(ch.isalpha() for ch in value) else str(escape(value))


def _own(value: str, keep: Callable[[str], str] | None) -> str:
    """Text already in the reader's language: only escaped for HTML."""
    return str(escape(value)) if keep else value


def audit_label(action: str, _: Translate) -> str:
    """An audit event code ("draft.created") in the reader's language."""
    msgid = AUDIT.get(action)
    return _(msgid) if msgid else action
