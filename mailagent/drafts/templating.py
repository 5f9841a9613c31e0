"""Reply templates: the one place the Jinja2 environment is configured, and template choice.

Templates live in ``templates/<kind>/<lang>.txt.j2`` (reply kinds: inquiry, order, complaint,
payment, payment_overdue), ``templates/internal/<name>.<lang>.txt.j2`` (internal mail such as
the complaint relay to Quality) and ``templates/_base/<part>.<lang>.txt.j2`` (the signature
block and the quoted original, included by every reply). The environment is sandboxed, uses
``StrictUndefined`` (a missing variable is an error, never an empty string) and autoescapes
only ``.html`` templates. :func:`choose_template` picks (kind, language) and falls back to
English with a recorded reason; :func:`render_reply` renders; :func:`missing_templates` lists
what a language lacks, for the UI. A template may start with a ``Subject:`` line, which then
becomes the subject. Nothing here reads the database or sends anything.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.sandbox import SandboxedEnvironment

from mailagent.drafts.terms import unit
from mailagent.errors import ConfigError

__all__ = [
    "FALLBACK_LANGUAGE",
    "INTERNAL_KINDS",
    "REPLY_KINDS",
    "RenderedDraft",
    "ReplyContext",
    "TemplateCatalog",
    "TemplateChoice",
    "Templates",
    "base_language",
    "choose_template",
    "make_environment",
    "missing_templates",
    "render_reply",
    "scan_templates",
    "template_name",
]

REPLY_KINDS = ("inquiry", "order", "complaint", "payment", "payment_overdue")
INTERNAL_KINDS = ("internal/complaint_relay",)
BASE_PARTS = ("_base/signature", "_base/quoted", "_base/asks")
FALLBACK_LANGUAGE = "en"
SUFFIX = ".txt.j2"


def base_language(lang: str) -> str:
    """``zh-Hans`` / ``zh_CN`` / ``DE`` -> ``zh`` / ``zh`` / ``de``."""
    return re.split(r"[-_]", (lang or "").strip().lower(), maxsplit=1)[0]


def template_name(kind: str, lang: str) -> str:
    """File name (relative to the templates dir) of ``kind`` in ``lang``."""
    if kind.startswith(("internal/", "_base/")):
        return f"{kind}.{lang}{SUFFIX}"
    return f"{kind}/{lang}{SUFFIX}"


@dataclass(frozen=True, slots=True)
class TemplateCatalog:
    """Which (kind, language) templates exist."""

    available: frozenset[tuple[str, str]]

    def has(self, kind: str, lang: str) -> bool:
        return (kind, lang) in self.available

    def languages(self) -> tuple[str, ...]:
        return tuple(sorted({lang for _, lang in self.available}))


def scan_templates(directory: str | Path) -> TemplateCatalog:
    root = Path(directory)
    found: set[tuple[str, str]] = set()
    for path in root.rglob(f"*{SUFFIX}"):
        rel = path.relative_to(root).as_posix().removesuffix(SUFFIX)
        folder, _, leaf = rel.rpartition("/")
        if folder in ("internal", "_base") and "." in leaf:
            name, _, lang = leaf.rpartition(".")
            found.add((f"{folder}/{name}", lang))
        elif folder and "/" not in folder:
            found.add((folder, leaf))
    return TemplateCatalog(frozenset(found))


@dataclass(frozen=True, slots=True)
class TemplateChoice:
    kind: str
    lang: str
    name: str
    reason: str  # "" when the wanted language was available


def choose_template(
    catalog: TemplateCatalog, kind: str, lang: str, fallback: str = FALLBACK_LANGUAGE
) -> TemplateChoice | None:
    """``kind`` in ``lang`` if it exists, else in ``fallback`` (with the reason), else None."""
    wanted = base_language(lang) or fallback
    if catalog.has(kind, wanted):
        return TemplateChoice(kind, wanted, template_name(kind, wanted), "")
    if catalog.has(kind, fallback):
        reason = f"no {wanted} template for {kind}; used {fallback}"
        return TemplateChoice(kind, fallback, template_name(kind, fallback), reason)
    return None


def missing_templates(
    catalog: TemplateCatalog,
    languages: Iterable[str] | None = None,
    internal_languages: Iterable[str] = (FALLBACK_LANGUAGE,),
) -> list[tuple[str, str]]:
    """(kind, language) pairs without a template, for the UI.

    Reply kinds and base parts are checked for ``languages`` (default: every language any
    template exists in); internal mail only for ``internal_languages`` (the team language).
    """
    langs = sorted({base_language(x) for x in languages} if languages else catalog.languages())
    kinds = (*REPLY_KINDS, *BASE_PARTS)
    missing = [(k, lang) for lang in langs for k in kinds if not catalog.has(k, lang)]
    own = sorted({base_language(x) for x in internal_languages})
    return missing + [(k, lang) for k in INTERNAL_KINDS for lang in own if not catalog.has(k, lang)]


# -- filters ---------------------------------------------------------------------------------

_COMMA_DECIMAL = frozenset({"de", "es", "pt", "it", "fr", "nl", "tr", "ru", "pl"})


def _num(value: Any, lang: str = "en", places: int | None = None) -> str:
    if value is None:
        return ""
    d = Decimal(str(value))
    if places is None:
        exponent = d.normalize().as_tuple().exponent
        places = 0 if d == d.to_integral_value() else max(2, -int(exponent))
    text = f"{d:,.{places}f}"
    if base_language(lang) in _COMMA_DECIMAL:
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def _money(value: Any, currency: str = "", lang: str = "en", places: int | None = None) -> str:
    if value is None:
        return ""
    amount = _num(value, lang, places if places is not None else 2)
    return f"{currency} {amount}".strip()


def _price(value: Any, currency: str = "", lang: str = "en") -> str:
    """A unit price: at least 2 decimals, more when the price list has them (0.0105)."""
    d = Decimal(str(value))
    exponent = int(d.normalize().as_tuple().exponent)
    return _money(d, currency, lang, max(2, -exponent))


_DATE_FORMATS = {
    "en": "%d %b %Y",
    "de": "%d.%m.%Y",
    "es": "%d/%m/%Y",
    "zh": "%Y年%m月%d日",
    "pt": "%d/%m/%Y",
    "fr": "%d/%m/%Y",
    "ru": "%d.%m.%Y",
    "ja": "%Y年%m月%d日",
}


def _date(value: date | datetime | None, lang: str = "en") -> str:
    if value is None:
        return ""
    return value.strftime(_DATE_FORMATS.get(base_language(lang), "%Y-%m-%d"))


def _datetime(value: datetime | None, lang: str = "en") -> str:
    if value is None:
        return ""
    zone = value.strftime("%Z") or value.strftime("%z")
    return f"{_date(value, lang)} {value:%H:%M} {zone}".strip()


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(value: Any, width: int) -> str:
    text = str(value)
    return text + " " * max(0, width - _width(text))


def _rpad(value: Any, width: int) -> str:
    text = str(value)
    return " " * max(0, width - _width(text)) + text


def _quote(text: str, limit: int = 40) -> str:
    lines = (text or "").strip("\n").splitlines()
    shown = [f"> {ln}".rstrip() for ln in lines[:limit]]
    return "\n".join(shown + ([">", "> [...]"] if len(lines) > limit else []))


def make_environment(directory: str | Path) -> SandboxedEnvironment:
    """The sandboxed, strict Jinja2 environment over ``directory``."""
    env = SandboxedEnvironment(
        loader=FileSystemLoader(str(directory)),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        num=_num,
        money=_money,
        price=_price,
        date=_date,
        datetime=_datetime,
        pad=_pad,
        rpad=_rpad,
        quote=_quote,
        unit=unit,
    )
    return env


# -- rendering ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReplyContext:
    """What to render: a template kind, the wanted language, a default subject, variables."""

    kind: str
    lang: str
    subject: str
    variables: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class RenderedDraft:
    subject: str
    body: str
    template: str
    language: str
    reasons: tuple[str, ...] = ()


class Templates:
    """The environment and the catalogue of one templates directory."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        if not self.directory.is_dir():
            raise ConfigError(f"templates_dir: {self.directory} is not a directory")
        self.env = make_environment(self.directory)
        self.catalog = scan_templates(self.directory)

    def choose(self, kind: str, lang: str) -> TemplateChoice:
        choice = choose_template(self.catalog, kind, lang)
        if choice is None:
            raise ConfigError(
                f"{self.directory}: no template for {kind} "
                f"(neither {template_name(kind, base_language(lang) or 'en')} "
                f"nor {template_name(kind, FALLBACK_LANGUAGE)})"
            )
        return choice


_BLANKS = re.compile(r"\n{3,}")


def render_reply(templates: Templates, ctx: ReplyContext) -> RenderedDraft:
    """Render ``ctx`` with the best template for its language (pure apart from the loader)."""
    choice = templates.choose(ctx.kind, ctx.lang)
    parts = {p: templates.choose(p, choice.lang).name for p in BASE_PARTS[:2]}
    asks = choose_template(templates.catalog, "_base/asks", choice.lang)  # optional part
    variables = {
        **ctx.variables,
        "lang": choice.lang,
        "signature_template": parts["_base/signature"],
        "quote_template": parts["_base/quoted"],
        "asks_template": asks.name if asks else "",
        "reply_kind": ctx.kind,
    }
    text = templates.env.get_template(choice.name).render(variables)
    subject = ctx.subject
    first, _, rest = text.partition("\n")
    if first.startswith("Subject:"):
        subject, text = first.removeprefix("Subject:").strip(), rest
    lines = [ln.rstrip() for ln in text.strip("\n").splitlines()]
    body = _BLANKS.sub("\n\n", "\n".join(lines)) + "\n"
    reasons = (choice.reason,) if choice.reason else ()
    return RenderedDraft(subject, body, choice.name, choice.lang, reasons)
