"""Run Python code in a fresh interpreter (what it imports, how much memory it takes)."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

__all__ = ["python_json", "run_python"]


def run_python(code: str, env: dict[str, str], timeout: float = 120) -> str:
    """``python -c code`` with ``env``; its stdout. A failure shows the child's stderr."""
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def python_json(code: str, env: dict[str, str], timeout: float = 120) -> Any:
    """:func:`run_python`, and the JSON on the last line the code printed."""
    return json.loads(run_python(code, env, timeout).strip().splitlines()[-1])
