"""Rendering follow-up drafts from ``templates/followups/<kind>/<lang>.txt.j2`` (pure).

Uses the one strict, sandboxed Jinja2 environment of :mod:`mailagent.drafts.templating`.
The customer's language is used when its template exists, else English with a recorded
reason. A template's first ``Subject:`` line becomes the subject.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2.sandbox import SandboxedEnvironment

from mailagent.drafts.templating import base_language, make_environment

__all__ = ["KINDS", "Rendered", "render"]

KINDS = ("silence", "ladder", "greeting", "closure", "escalation")


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    body: str
    lang: str
    template: str
    reasons: tuple[str, ...]


@functools.lru_cache(maxsize=4)
def _env(directory: str) -> SandboxedEnvironment:
    return make_environment(directory)


def render(templates_dir: str | Path, kind: str, lang: str, variables: dict[str, Any]) -> Rendered:
    root = Path(templates_dir).resolve()
    want = base_language(lang) or "en"
    use = want
    reasons: tuple[str, ...] = ()
    if not (root / "followups" / kind / f"{want}.txt.j2").exists():
        use, reasons = "en", (f"no {kind} template in {want!r}: English used",)
    name = f"followups/{kind}/{use}.txt.j2"
    text = _env(str(root)).get_template(name).render(**variables, lang=use)
    first, _, rest = text.partition("\n")
    subject = first.removeprefix("Subject:").strip() if first.startswith("Subject:") else ""
    body = (rest if subject else text).strip("\n") + "\n"
    return Rendered(subject, body, use, name, reasons)
