"""The closed operator vocabulary of classification rules and the mail fields they read.

``ruleset.py`` validates rule files and calls :func:`compile_condition` once per
``when.<field>.<operator>`` entry; the resulting :class:`Condition` tests a
:class:`MailView` and returns the matched fragment for the rule's reason, or None.
Phrase operators (``any_of``, ``all_of``, ``not_any_of``) and the string operators compare
case-folded text; phrases match on word boundaries in alphabetic scripts and as substrings
in CJK/Thai (which do not separate words), any run of white space matches a space, and a
``*`` at either end of a phrase matches the rest of the word ("defect*", "*reklamation").
Phrase lists compile to one prefix-trie regex, so a 200-phrase list costs a few
microseconds per message. ``matches`` uses the rule's own regex on the original text.
No I/O, no state beyond the per-message field cache.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mailagent.records import InboundMail

__all__ = [
    "FIELDS",
    "HEADER_PREFIX",
    "LIST_OPERATORS",
    "OPERATORS",
    "STRING_OPERATORS",
    "Condition",
    "MailView",
    "compile_condition",
    "compile_phrases",
    "field_values",
]

FIELDS = ("subject", "body", "text", "sender", "sender_domain", "attachment_names")
HEADER_PREFIX = "header."
STRING_OPERATORS = ("contains", "not_contains", "equals", "ends_with", "matches")
LIST_OPERATORS = ("any_of", "all_of", "not_any_of")
OPERATORS = STRING_OPERATORS + LIST_OPERATORS

# Scripts without spaces between words: phrases in them match as substrings.
_UNSPACED = re.compile(
    r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]"
)
_VERB = {
    "contains": "contains",
    "not_contains": "does not contain",
    "equals": "equals",
    "ends_with": "ends with",
    "matches": "matches",
    "any_of": "contains",
    "all_of": "contains all of",
    "not_any_of": "contains none of",
}


def field_values(mail: InboundMail, name: str) -> tuple[str, ...]:
    """The values of field ``name`` in ``mail`` (several for attachments and headers)."""
    if name == "subject":
        return (mail.subject,)
    if name == "body":
        return (mail.new_text,)
    if name == "text":
        return (f"{mail.subject}\n{mail.new_text}",)
    address = mail.from_ or mail.sender
    if name == "sender":
        return (address.email,) if address else ()
    if name == "sender_domain":
        return (address.domain,) if address else ()
    if name == "attachment_names":
        return tuple(a.filename for a in mail.attachments)
    if name.startswith(HEADER_PREFIX):
        wanted = name[len(HEADER_PREFIX) :].lower()
        return tuple(value for key, value in mail.headers if key.lower() == wanted)
    raise ValueError(f"unknown field {name!r}")  # ruleset.py validates names first


class MailView:
    """One message's field values, original and case-folded, computed once per field."""

    __slots__ = ("_folded", "_raw", "mail")

    def __init__(self, mail: InboundMail) -> None:
        self.mail = mail
        self._raw: dict[str, tuple[str, ...]] = {}
        self._folded: dict[str, tuple[str, ...]] = {}

    def raw(self, name: str) -> tuple[str, ...]:
        if name not in self._raw:
            self._raw[name] = field_values(self.mail, name)
        return self._raw[name]

    def folded(self, name: str) -> tuple[str, ...]:
        if name not in self._folded:
            self._folded[name] = tuple(v.casefold() for v in self.raw(name))
        return self._folded[name]


Test = Callable[[MailView], str | None]


@dataclass(frozen=True, slots=True)
class Condition:
    """One compiled ``when.<field>.<operator> = value`` test."""

    field: str
    operator: str
    test: Test

    def check(self, view: MailView) -> str | None:
        """The reason fragment ("body contains 'delamination'") or None if it fails."""
        found = self.test(view)
        if found is None:
            return None
        verb = _VERB[self.operator]
        return f"{self.field} {verb} {found!r}" if found else f"{self.field} {verb}"


def _trie(bodies: Sequence[str]) -> str:
    """A regex matching exactly ``bodies``, factored by common prefixes."""
    root: dict[str, dict] = {}  # type: ignore[type-arg]
    for body in bodies:
        node = root
        for ch in body:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, dict]) -> str:  # type: ignore[type-arg]
        ends = "" in node
        branches = [
            (r"\s+" if ch == " " else re.escape(ch)) + build(child)
            for ch, child in sorted(node.items())
            if ch
        ]
        if not branches:
            return ""
        inner = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if ends:
            return f"(?:{inner})?"
        return inner

    return build(root)


def compile_phrases(phrases: Sequence[str]) -> re.Pattern[str]:
    """One regex for a phrase list, to be searched in case-folded text."""
    groups: dict[tuple[str, str], list[str]] = {}
    for phrase in phrases:
        raw = phrase.strip()
        core = " ".join(raw.strip("*").split()).casefold()
        if not core:
            continue
        if _UNSPACED.search(core):
            edges = ("", "")
        else:
            left = r"\w*" if raw.startswith("*") else (r"(?<!\w)" if core[0].isalnum() else "")
            right = r"\w*" if raw.endswith("*") else (r"(?!\w)" if core[-1].isalnum() else "")
            edges = (left, right)
        groups.setdefault(edges, []).append(core)
    parts = [
        f"{left}{_trie(sorted(set(bodies)))}{right}" for (left, right), bodies in groups.items()
    ]
    return re.compile("|".join(parts) if parts else r"(?!x)x")


def _first(pattern: re.Pattern[str], values: Sequence[str]) -> str | None:
    for value in values:
        match = pattern.search(value)
        if match:
            return match.group(0)
    return None


def compile_condition(field: str, operator: str, value: str | Sequence[str]) -> Condition:
    """Compile one condition; ``value`` is already type-checked by the loader.

    Raises ``re.error`` for an invalid ``matches`` pattern (the loader reports it).
    """
    if operator in STRING_OPERATORS:
        if not isinstance(value, str):
            raise TypeError(f"{operator} needs a string")
        return Condition(field, operator, _string_test(field, operator, value))
    phrases = [value] if isinstance(value, str) else list(value)
    return Condition(field, operator, _list_test(field, operator, phrases))


def _string_test(field: str, operator: str, value: str) -> Test:
    if operator == "matches":
        pattern = re.compile(value)
        return lambda view: _first(pattern, view.raw(field))
    needle = value.casefold()
    if operator == "contains":
        return lambda view: value if any(needle in v for v in view.folded(field)) else None
    if operator == "not_contains":
        return lambda view: None if any(needle in v for v in view.folded(field)) else value
    if operator == "equals":
        return lambda view: next((v for v in view.folded(field) if v.strip() == needle), None)
    return lambda view: next((v for v in view.folded(field) if v.endswith(needle)), None)


def _list_test(field: str, operator: str, phrases: Sequence[str]) -> Test:
    if operator == "all_of":
        each = [compile_phrases([p]) for p in phrases]

        def all_of(view: MailView) -> str | None:
            found = [_first(p, view.folded(field)) for p in each]
            return None if any(f is None for f in found) else ", ".join(map(str, found))

        return all_of
    pattern = compile_phrases(phrases)
    if operator == "any_of":
        return lambda view: _first(pattern, view.folded(field))
    shown = ", ".join(phrases[:3]) + (", ..." if len(phrases) > 3 else "")
    return lambda view: None if _first(pattern, view.folded(field)) is not None else shown
