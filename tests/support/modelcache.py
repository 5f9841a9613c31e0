"""One trained intent model per test run, shared by every pytest-xdist worker and fixture.

Training the intent model on the shipped corpus costs 10-20 CPU seconds. Commands such as
``mailagent poll-once`` and ``mailagent run`` train it into a fresh store's ``models/`` on
first use, and several fixtures need the fitted model itself. The first worker that asks
trains it (under a file lock) into a directory all workers of the run share; the others
wait for it and load or copy that file. Tests that seed a store with it still run the
command lines unchanged: those find the model cached, as they would on their second start.
Tests of training itself (``tests/triage/test_intent_model.py``) still train.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from pathlib import Path

from mailagent.triage.intent_model import CORPUS, IntentModel, cache_key

__all__ = ["seed_intent_model", "shared_model", "shared_model_store"]


def shared_model_store() -> Path:
    """A store directory whose ``models/`` holds the trained model (trained on first call).

    The directory is per test run: the xdist workers of one run share it (same
    ``PYTEST_XDIST_TESTRUNUID``), a run without xdist has its own.
    """
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID") or f"pid{os.getpid()}"
    store = Path(tempfile.gettempdir()) / f"mailagent-intent-model-{run}"
    store.mkdir(mode=0o700, exist_ok=True)
    model = store / "models" / f"intent-{cache_key(CORPUS)}.joblib"
    if not model.exists():
        with (store / ".lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # the other workers wait for the first's training
            if not model.exists():
                IntentModel.load_or_train(store)
    return store


_loaded: list[IntentModel] = []


def shared_model() -> IntentModel:
    """The fitted model of :func:`shared_model_store`, loaded once per process."""
    if not _loaded:
        _loaded.append(IntentModel.load_or_train(shared_model_store()))
    return _loaded[0]


def seed_intent_model(store_dir: Path) -> None:
    """Put the shared trained model into ``store_dir/models`` (as a first start would)."""
    (model,) = (shared_model_store() / "models").glob("intent-*.joblib")
    (store_dir / "models").mkdir(parents=True, exist_ok=True)
    shutil.copy2(model, store_dir / "models" / model.name)
