"""Learning from corrections: keep each correction as an example and adapt the model.

:func:`learn_correction` is called inside the reclassify transaction: it stores the
message's subject and new text with the right label (``db.corrections``). The model then
adapts by retraining on the shipped corpus plus this installation's examples
(``IntentModel.load_or_train`` keys its cache on them, so the result is persisted under
``<store>/models`` and reused by every process that opens the store). :func:`refresh_model`
does that retraining and swaps ``app.model``; :func:`refresh_in_background` runs it on a
daemon thread (the web UI after a reclassify), one at a time per App, so a burst of
corrections costs one or two retrains, not one each. A process that opens the store later
(the daemon, the CLI) loads the adapted model at start-up, and the daemon checks for new
corrections periodically (:func:`refresh_if_corrected`).
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from mailagent.db import corrections
from mailagent.db import models as m
from mailagent.records import Intent
from mailagent.triage.intent_model import CORPUS, IntentModel

if TYPE_CHECKING:
    from mailagent.app import App

__all__ = ["learn_correction", "refresh_if_corrected", "refresh_in_background", "refresh_model"]

log = logging.getLogger(__name__)
_LOCK = threading.Lock()
_PENDING: set[int] = set()  # id(app) of Apps with a refresh queued or running
_SEEN: dict[int, str] = {}  # id(app) -> corrections digest its model was last refreshed for


def learn_correction(
    session: Session,
    msg: m.Message,
    intent: Intent,
    previous: str | None,
    actor: str,
    now: datetime,
) -> int:
    """Keep ``msg`` labelled ``intent`` as an example of this installation; its id."""
    return corrections.record(
        session,
        kind=corrections.INTENT,
        label=intent.value,
        previous=previous,
        subject=msg.subject,
        text=msg.new_text or msg.text,
        language=msg.language,
        actor=actor,
        now=now,
        message_pk=msg.id,
    )


def refresh_model(app: App, corpus: Path = CORPUS) -> IntentModel | None:
    """Retrain (or load the cached) model with this installation's examples; swap it in."""
    if app.model is None:
        return None
    with app.sessions() as session:
        examples = corrections.examples(session)
        seen = corrections.digest(session)
    model = IntentModel.load_or_train(Path(app.settings.store.dir), corpus, examples)
    _SEEN[id(app)] = seen
    if model.key != app.model.key:
        log.info("intent model adapted to %d corrections (key %s)", len(examples), model.key)
    app.model = model
    return model


def refresh_in_background(app: App) -> threading.Thread | None:
    """Start :func:`refresh_model` on a daemon thread unless one is already queued."""
    if app.model is None:
        return None
    with _LOCK:
        if id(app) in _PENDING:
            return None
        _PENDING.add(id(app))

    def work() -> None:
        try:
            with _LOCK:
                _PENDING.discard(id(app))  # corrections after this point queue a new run
            refresh_model(app)
        except Exception:
            log.exception("intent model refresh failed; keeping the current model")

    thread = threading.Thread(target=work, name="intent-model-refresh", daemon=True)
    thread.start()
    return thread


def refresh_if_corrected(app: App, corpus: Path = CORPUS) -> bool:
    """The daemon's periodic job: adapt the model when corrections arrived since the last
    refresh (made in another process, e.g. ``mailagent messages reclassify``). True if it
    retrained or reloaded."""
    if app.model is None:
        return False
    with app.sessions() as session:
        current = corrections.digest(session)
    if _SEEN.get(id(app)) == current:
        return False
    refresh_model(app, corpus)
    return True
