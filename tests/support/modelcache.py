"""One trained intent model per test process, copied into the stores of slow end-to-end tests.

Commands such as ``mailagent poll-once`` and ``mailagent run`` train the intent model into a
fresh store's ``models/`` on first use (several CPU seconds); tests that run several such
stores seed them with this copy instead. The command lines still run unchanged: they find
the model cached, as they would on their second start.
"""

from __future__ import annotations

import functools
import shutil
import tempfile
from pathlib import Path

from mailagent.triage.intent_model import IntentModel

__all__ = ["seed_intent_model"]


@functools.cache
def _trained() -> Path:
    store = Path(tempfile.mkdtemp(prefix="intent-model-"))
    IntentModel.load_or_train(store)
    (path,) = (store / "models").glob("intent-*.joblib")
    return path


def seed_intent_model(store_dir: Path) -> None:
    """Put the cached intent model into ``store_dir/models`` (as a first start would)."""
    model = _trained()
    (store_dir / "models").mkdir(parents=True, exist_ok=True)
    shutil.copy2(model, store_dir / "models" / model.name)
