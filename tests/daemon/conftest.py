"""Fixtures of the daemon tests: a trained intent model shared by every daemon's store."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory whose ``models/`` holds the trained intent model (filled on first use)."""
    return tmp_path_factory.mktemp("model-cache")
