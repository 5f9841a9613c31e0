"""UI translations (gettext via Babel): Chinese and English, chosen per user.

The catalogues are the ``.po`` files in ``mailagent/web/locale/<lang>/LC_MESSAGES/``; they
are compiled in memory when the web app starts (Babel's ``pofile``/``mofile``), so there is
no build step and no ``.mo`` file in the repository. Python code marks strings with
:func:`N_` and translates them at display time; templates use ``_()`` through the Jinja2
``i18n`` extension, which looks up the language of the page being rendered.
"""

from __future__ import annotations

import gettext
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "LOCALE_DIR", "N_", "Catalogs", "negotiate"]

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated later, where it is shown."""
    return message


class Catalogs:
    """One compiled :class:`gettext.GNUTranslations` per UI language."""

    def __init__(self, locale_dir: Path = LOCALE_DIR) -> None:
        self._translations: dict[str, gettext.NullTranslations] = {}
        self._known: dict[str, frozenset[str]] = {}
        #: ``(lang, msgid)`` looked up but missing from that catalogue (shown in English);
        #: the browser walk test reads it. Bounded: a flood of odd ids cannot grow it.
        self.misses: set[tuple[str, str]] = set()
        for lang in LANGUAGES:
            po = locale_dir / lang / "LC_MESSAGES" / "messages.po"
            with po.open("rb") as fh:
                catalog = read_po(fh, locale=lang)
            buf = BytesIO()
            write_mo(buf, catalog)
            buf.seek(0)
            self._translations[lang] = gettext.GNUTranslations(buf)
            self._known[lang] = frozenset(
                m.id for m in catalog if m.id and isinstance(m.id, str) and m.string
            )

    def get(self, lang: str) -> gettext.NullTranslations:
        return self._translations.get(lang) or self._translations[DEFAULT_LANGUAGE]

    def gettext(self, lang: str, message: str) -> str:
        if message and message not in self._known.get(lang, ()) and len(self.misses) < 500:
            self.misses.add((lang, message))
        return self.get(lang).gettext(message)

    def ngettext(self, lang: str, singular: str, plural: str, n: int) -> str:
        return self.get(lang).ngettext(singular, plural, n)


def negotiate(accept_language: str | None) -> str:
    """The UI language for a visitor who has not logged in, from ``Accept-Language``."""
    best, best_q = DEFAULT_LANGUAGE, -1.0
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        lang = tag.strip().lower().split("-")[0]
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                continue
        if lang in LANGUAGES and q > best_q:
            best, best_q = lang, q
    return best
