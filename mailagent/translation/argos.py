"""Argos-format models run directly on CTranslate2 + SentencePiece (the model edge).

:class:`ArgosTranslator` implements the :class:`~mailagent.translation.base.Translator`
port over the packages in ``models_dir`` (see ``models.py``), without going through
``argostranslate.translate``: that path splits sentences with models it downloads at first
use (no good offline), decodes one paragraph at a time with beam 4, and keeps no cache. Here
sentences arrive already split and protected, are tokenized with the package's
SentencePiece model, and are decoded in batches (``beam_size``, ``batch_size`` and
``threads`` from :class:`~mailagent.config.TranslationSettings`).

Each pair's ``ctranslate2.Translator`` is loaded lazily on first use (about 0.7 s and
190 MB for a standard Argos model) and kept; reinstalling a pair changes its
:meth:`model_version`, which reloads it. ``ctranslate2``/``sentencepiece`` are imported
only when a model is loaded, so the package imports without the ``translate`` extra.
Detokenizing keeps pieces the vocabulary does not know (copied from the source by
``replace_unknowns``) instead of turning them into ``⁇``.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mailagent.errors import TranslationError
from mailagent.translation.base import Pair, normalize_lang
from mailagent.translation.models import ModelInfo, list_models

__all__ = ["ArgosTranslator", "detokenize", "package_version"]

log = logging.getLogger(__name__)

_BYTE = re.compile(r"^<0x([0-9A-Fa-f]{2})>$")
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_CONTROL = frozenset({"<s>", "</s>", "<unk>", "<pad>", "<blank>"})


def package_version(info: ModelInfo) -> str:
    """``from-to-version-hash`` where the hash covers model.bin's size and mtime."""
    st = (info.path / "model" / "model.bin").stat()
    digest = hashlib.sha256(f"{st.st_size}:{st.st_mtime_ns}".encode()).hexdigest()[:8]
    return f"{info.from_code}-{info.to_code}-{info.package_version or '0'}-{digest}"


def detokenize(pieces: Sequence[str]) -> str:
    """SentencePiece pieces to one line of text: ``▁`` is a space, ``<0xNN>`` runs are
    UTF-8 bytes (invalid ones dropped), control pieces and characters are removed."""
    out: list[str] = []
    pending = bytearray()
    for piece in pieces:
        m = _BYTE.match(piece)
        if m:
            pending.append(int(m.group(1), 16))
            continue
        if pending:
            out.append(pending.decode("utf-8", errors="ignore"))
            pending.clear()
        if piece in _CONTROL:
            continue
        out.append(piece.replace("▁", " "))
    if pending:
        out.append(pending.decode("utf-8", errors="ignore"))
    # One sentence in, one line out: control characters would break the mail's layout.
    return _CONTROL_CHARS.sub(" ", "".join(out)).strip()


@dataclass
class _Loaded:
    version: str
    translator: Any  # ctranslate2.Translator
    tokenizer: Any  # sentencepiece.SentencePieceProcessor
    target_prefix: str


class ArgosTranslator:
    """The Translator port over installed Argos packages (thread-safe, lazy loading)."""

    def __init__(
        self,
        models_dir: str | Path,
        *,
        beam_size: int = 2,
        batch_size: int = 32,
        threads: int = 2,
        max_decoding_factor: float = 2.0,
    ) -> None:
        if beam_size < 1 or batch_size < 1 or threads < 0:
            raise TranslationError("beam_size and batch_size must be >= 1, threads >= 0")
        self.models_dir = Path(models_dir)
        self.beam_size = beam_size
        self.batch_size = batch_size
        self.threads = threads
        self.max_decoding_factor = max_decoding_factor
        self._lock = threading.Lock()
        self._loaded: dict[Pair, _Loaded] = {}

    # -- the port --------------------------------------------------------------------------

    def available_pairs(self) -> set[Pair]:
        return {m.pair for m in list_models(self.models_dir)}

    def model_version(self, source: str, target: str) -> str:
        return package_version(self._info(source, target))

    def translate_batch(self, texts: Sequence[str], *, source: str, target: str) -> list[str]:
        if not texts:
            return []
        model = self._load(source, target)
        tokens = [model.tokenizer.encode(t, out_type=str) for t in texts]
        longest = max((len(t) for t in tokens), default=1)
        prefix = [[model.target_prefix]] * len(tokens) if model.target_prefix else None
        try:
            results = model.translator.translate_batch(
                tokens,
                target_prefix=prefix,
                beam_size=self.beam_size,
                max_batch_size=self.batch_size,
                batch_type="examples",
                replace_unknowns=True,
                max_decoding_length=int(longest * self.max_decoding_factor) + 16,
            )
        except (RuntimeError, ValueError) as exc:
            raise TranslationError(f"{source}→{target} model failed: {exc}") from exc
        out: list[str] = []
        for result in results:
            pieces = list(result.hypotheses[0])
            if prefix and pieces and pieces[0] == model.target_prefix:
                pieces = pieces[1:]
            out.append(detokenize(pieces))
        return out

    # -- loading ---------------------------------------------------------------------------

    def loaded_pairs(self) -> set[Pair]:
        """Pairs whose model is in memory (for status pages and tests)."""
        with self._lock:
            return set(self._loaded)

    def unload(self) -> None:
        """Drop all loaded models (memory is released when no call is using them)."""
        with self._lock:
            self._loaded.clear()

    def _info(self, source: str, target: str) -> ModelInfo:
        pair = (normalize_lang(source), normalize_lang(target))
        for info in list_models(self.models_dir):
            if info.pair == pair:
                return info
        raise TranslationError(
            f"no translation model for {pair[0]}→{pair[1]} in {self.models_dir} "
            f"(mailagent translate install {pair[0]} {pair[1]})"
        )

    def _load(self, source: str, target: str) -> _Loaded:
        info = self._info(source, target)
        version = package_version(info)
        with self._lock:
            loaded = self._loaded.get(info.pair)
            if loaded is not None and loaded.version == version:
                return loaded
            try:
                import ctranslate2
                import sentencepiece
            except ImportError as exc:
                raise TranslationError(
                    f"cannot load {info.from_code}→{info.to_code}: {exc.name} is not installed "
                    "(pip install 'mailagent[translate]')"
                ) from exc
            try:
                translator = ctranslate2.Translator(
                    str(info.path / "model"),
                    device="cpu",
                    inter_threads=1,
                    intra_threads=self.threads,
                )
                tokenizer = sentencepiece.SentencePieceProcessor(
                    model_file=str(info.path / "sentencepiece.model")
                )
            except (RuntimeError, OSError, ValueError) as exc:
                raise TranslationError(
                    f"cannot load the {info.from_code}→{info.to_code} model at {info.path}: {exc}"
                ) from exc
            loaded = _Loaded(version, translator, tokenizer, info.target_prefix)
            self._loaded[info.pair] = loaded
            log.info("loaded translation model %s (%s)", version, info.path)
            return loaded
