"""The per-company glossary ``rules/glossary.toml``: loaded once, validated, typed.

Format::

    keep = ["Huaxin", "HX-Flex"]          # never translated, copied verbatim

    [[term]]                              # forced translation of a term
    source = "solder mask"
    target = "阻焊"
    from = "en"
    to = "zh"

Terms match case-insensitively on word boundaries (no boundary check next to CJK
characters); ``keep`` entries match case-sensitively. Any problem raises
:class:`~mailagent.errors.RulesError` as ``file: term N: field: problem``. The
:attr:`Glossary.fingerprint` goes into translation cache keys, so editing the glossary
invalidates cached sentences instead of serving stale terms.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mailagent.errors import RulesError
from mailagent.translation.base import normalize_lang

__all__ = ["Glossary", "Term", "load_glossary", "parse_glossary"]

_CODE = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{2,8})?$")
_TERM_KEYS = ("source", "target", "from", "to")


@dataclass(frozen=True, slots=True)
class Term:
    """``source`` (in ``from_lang``) is always rendered as ``target`` (in ``to_lang``)."""

    source: str
    target: str
    from_lang: str
    to_lang: str


@dataclass(frozen=True, slots=True)
class Glossary:
    """Forced terms and keep-verbatim words; the empty glossary changes nothing."""

    terms: tuple[Term, ...] = ()
    keep: tuple[str, ...] = ()

    def terms_for(self, source: str, target: str) -> tuple[Term, ...]:
        src, tgt = normalize_lang(source), normalize_lang(target)
        return tuple(t for t in self.terms if t.from_lang == src and t.to_lang == tgt)

    @property
    def fingerprint(self) -> str:
        """Short stable hash of the content ("" for the empty glossary)."""
        if not self.terms and not self.keep:
            return ""
        data = {"keep": list(self.keep), "terms": [list(_term_row(t)) for t in self.terms]}
        blob = json.dumps(data, ensure_ascii=False, sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:12]


def _term_row(t: Term) -> tuple[str, str, str, str]:
    return (t.source, t.target, t.from_lang, t.to_lang)


def load_glossary(path: str | Path, *, missing_ok: bool = False) -> Glossary:
    """Read and validate a glossary file; an absent file is empty when ``missing_ok``."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        if missing_ok:
            return Glossary()
        raise RulesError(f"{p}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesError(f"{p}: cannot read: {exc}") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{p}: invalid TOML: {exc}") from exc
    return parse_glossary(data, str(p))


def parse_glossary(data: dict[str, Any], where: str = "glossary") -> Glossary:
    """Validate already-parsed TOML data (``where`` prefixes every error)."""
    unknown = sorted(set(data) - {"keep", "term"})
    if unknown:
        raise RulesError(f"{where}: {unknown[0]}: unknown key (expected keep, term)")
    keep_raw = data.get("keep", [])
    if not isinstance(keep_raw, list):
        raise RulesError(f"{where}: keep: expected a list of strings")
    keep: list[str] = []
    for i, item in enumerate(keep_raw, 1):
        if not isinstance(item, str) or not item.strip():
            raise RulesError(f"{where}: keep[{i}]: expected a non-empty string, got {item!r}")
        keep.append(item.strip())
    terms_raw = data.get("term", [])
    if not isinstance(terms_raw, list):
        raise RulesError(f"{where}: term: expected [[term]] tables")
    terms: list[Term] = []
    seen: set[tuple[str, str, str]] = set()
    for n, raw in enumerate(terms_raw, 1):
        term = _parse_term(raw, f"{where}: term {n}")
        key = (term.source.casefold(), term.from_lang, term.to_lang)
        if key in seen:
            raise RulesError(
                f"{where}: term {n}: source: duplicate term {term.source!r} "
                f"for {term.from_lang}→{term.to_lang}"
            )
        seen.add(key)
        terms.append(term)
    return Glossary(tuple(terms), tuple(dict.fromkeys(keep)))


def _parse_term(raw: object, where: str) -> Term:
    if not isinstance(raw, dict):
        raise RulesError(f"{where}: expected a table")
    unknown = sorted(set(raw) - set(_TERM_KEYS))
    if unknown:
        raise RulesError(f"{where}: {unknown[0]}: unknown field (expected {', '.join(_TERM_KEYS)})")
    values: dict[str, str] = {}
    for key in _TERM_KEYS:
        value = raw.get(key)
        if value is None:
            raise RulesError(f"{where}: {key}: missing")
        if not isinstance(value, str) or not value.strip():
            raise RulesError(f"{where}: {key}: expected a non-empty string, got {value!r}")
        values[key] = value.strip()
    for key in ("from", "to"):
        code = normalize_lang(values[key])
        if not _CODE.match(code):
            raise RulesError(f"{where}: {key}: not a language code: {values[key]!r}")
        values[key] = code
    if values["from"] == values["to"]:
        raise RulesError(f"{where}: to: same language as from ({values['from']})")
    return Term(values["source"], values["target"], values["from"], values["to"])
