"""Fixtures of the daemon tests: a trained intent model shared by every daemon's store."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.modelcache import shared_model_store


@pytest.fixture(scope="session")
def model_cache() -> Path:
    """A directory whose ``models/`` holds the trained intent model (one per test run)."""
    return shared_model_store()
