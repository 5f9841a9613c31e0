"""The closed operator vocabulary of classification rules and the mail fields they read.

``ruleset.py`` validates rule files and calls :func:`compile_condition` once per
``when.<field>.<operator>`` entry; the result is a :class:`Condition` whose ``test`` is a
pure function of the field's values returning the matched fragment (for the rule's reason)
or None. Phrase operators (``any_of``, ``all_of``, ``not_any_of``) match case-insensitively,
on word boundaries for alphabetic scripts and as substrings for CJK/Thai text (which does
not separate words); collapsing runs of white space; a ``*`` at either end of a phrase
matches the rest of the word ("defect*", "*reklamation"). No I/O, no state.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mailagent.records import InboundMail

__all__ = [
    "FIELDS",
    "LIST_OPERATORS",
    "OPERATORS",
    "STRING_OPERATORS",
    "Condition",
    "compile_condition",
    "field_values",
    "phrase_pattern",
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

Test = Callable[[Sequence[str]], str | None]


@dataclass(frozen=True, slots=True)
class Condition:
    """One compiled ``when.<field>.<operator> = value`` test."""

    field: str
    operator: str
    test: Test

    def check(self, mail: InboundMail) -> str | None:
        """The reason fragment ("body contains 'delamination'") or None if it fails."""
        found = self.test(field_values(mail, self.field))
        if found is None:
            return None
        return (
            f"{self.field} {_VERB[self.operator]} {found!r}"
            if found
            else (f"{self.field} {_VERB[self.operator]}")
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


def phrase_pattern(phrase: str) -> str:
    """Regex source for one phrase: word-bounded unless CJK, ``*`` = rest of the word."""
    core = phrase.strip()
    head = core.startswith("*")
    tail = core.endswith("*") and len(core) > 1
    core = core.strip("*").strip()
    body = r"\s+".join(re.escape(part) for part in core.split())
    if _UNSPACED.search(core):
        return body
    left = r"\w*" if head else (r"(?<!\w)" if core[:1].isalnum() else "")
    right = r"\w*" if tail else (r"(?!\w)" if core[-1:].isalnum() else "")
    return f"{left}{body}{right}"


def _compile_phrases(phrases: Sequence[str]) -> re.Pattern[str]:
    ordered = sorted({p for p in phrases if p.strip("* ")}, key=len, reverse=True)
    return re.compile("|".join(phrase_pattern(p) for p in ordered), re.IGNORECASE)


def _first(pattern: re.Pattern[str], values: Sequence[str]) -> str | None:
    for value in values:
        match = pattern.search(value)
        if match:
            return match.group(0)
    return None


def compile_condition(field: str, operator: str, value: str | Sequence[str]) -> Condition:
    """Compile one condition. ``value`` is already type-checked by the loader.

    Raises ``re.error`` for an invalid ``matches`` pattern (the loader reports it).
    """
    test: Test
    if operator in STRING_OPERATORS:
        assert isinstance(value, str)
        test = _string_test(operator, value)
    else:
        phrases = [value] if isinstance(value, str) else list(value)
        test = _list_test(operator, phrases)
    return Condition(field, operator, test)


def _string_test(operator: str, value: str) -> Test:
    if operator == "matches":
        pattern = re.compile(value)
        return lambda values: _first(pattern, values)
    needle = value.casefold()
    if operator == "contains":
        return lambda values: value if any(needle in v.casefold() for v in values) else None
    if operator == "not_contains":
        return lambda values: None if any(needle in v.casefold() for v in values) else value
    if operator == "equals":
        return lambda values: next((v for v in values if v.strip().casefold() == needle), None)
    return lambda values: next((v for v in values if v.casefold().endswith(needle)), None)


def _list_test(operator: str, phrases: Sequence[str]) -> Test:
    if operator == "all_of":
        each = [_compile_phrases([p]) for p in phrases]

        def all_of(values: Sequence[str]) -> str | None:
            found = [_first(p, values) for p in each]
            return None if any(f is None for f in found) else ", ".join(map(str, found))

        return all_of
    pattern = _compile_phrases(phrases)
    if operator == "any_of":
        return lambda values: _first(pattern, values)
    shown = ", ".join(phrases[:3]) + (", ..." if len(phrases) > 3 else "")
    return lambda values: None if _first(pattern, values) is not None else shown
