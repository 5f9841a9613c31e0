"""Import rules of the package layout, checked over the source with ``ast`` (no imports run).

The folders name the architecture (see README "Layout"); these rules keep data flowing one
way: pure stages never reach the store or the edges, nothing reaches into the CLI or the
web UI but their entry points, and there is no import cycle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "mailagent"

# (importer prefix, forbidden imported prefixes)
FORBIDDEN: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("mailagent.parse", ("mailagent.db", "mailagent.web", "mailagent.cli", "sqlalchemy")),
    (
        "mailagent.triage.stages",
        ("mailagent.db", "mailagent.web", "mailagent.cli", "sqlalchemy", "imapclient"),
    ),
    ("mailagent.triage.rules", ("mailagent.db", "mailagent.web", "mailagent.cli", "sqlalchemy")),
    ("mailagent.send.smtp", ("mailagent.db", "mailagent.web", "mailagent.cli")),
    # delivery is handed the mail and an on-sent hook: it never reaches into drafting
    ("mailagent.send", ("mailagent.drafts", "mailagent.web", "mailagent.cli")),
    ("mailagent.db", ("mailagent.triage.stages", "mailagent.web", "mailagent.cli")),
    # translation runs in its own background job: capture and triage only mark mail pending
    ("mailagent.capture", ("mailagent.translation", "mailagent.drafts.translate")),
    ("mailagent.triage", ("mailagent.translation", "mailagent.drafts.translate")),
    ("mailagent.records", ("mailagent.",)),
    ("mailagent.errors", ("mailagent.",)),
)
# who may import the CLI and the web UI: their own packages and their entry points
ENTRY_POINTS = {
    "mailagent.cli": ("mailagent.cli", "mailagent.__main__"),
    "mailagent.web": ("mailagent.web", "mailagent.cli", "mailagent.demo"),
}
MAX_TOP_LEVEL_MODULES = 12


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {
        _module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "migrations" not in p.parts
    }


def _type_only(tree: ast.Module) -> set[int]:
    """Ids of import nodes under ``if TYPE_CHECKING:`` (types only: no runtime dependency)."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            out |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    return out


def _imports(path: Path, known: dict[str, Path]) -> Iterator[str]:
    """Every module this file imports (``from pkg import submodule`` names the submodule);
    imports for type checking only do not count."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_only(tree)
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            subs = [f"{node.module}.{a.name}" for a in node.names]
            submodules = [s for s in subs if s in known]
            yield from submodules
            if len(submodules) < len(subs):
                yield node.module


def _graph() -> dict[str, set[str]]:
    known = _modules()
    return {name: {d for d in _imports(path, known) if d != name} for name, path in known.items()}


def _under(name: str, prefix: str) -> bool:
    return name == prefix.rstrip(".") or name.startswith(prefix.rstrip(".") + ".")


@pytest.mark.parametrize(("importer", "forbidden"), FORBIDDEN)
def test_layer_does_not_import(importer: str, forbidden: tuple[str, ...]) -> None:
    bad = sorted(
        f"{mod} imports {dep}"
        for mod, deps in _graph().items()
        if _under(mod, importer)
        for dep in deps
        if any(_under(dep, f) or (f.endswith(".") and dep.startswith(f)) for f in forbidden)
    )
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("package", sorted(ENTRY_POINTS))
def test_only_entry_points_import_cli_and_web(package: str) -> None:
    allowed = ENTRY_POINTS[package]
    bad = sorted(
        f"{mod} imports {dep}"
        for mod, deps in _graph().items()
        if not any(_under(mod, a) for a in allowed)
        for dep in deps
        if _under(dep, package)
    )
    assert not bad, "\n".join(bad)


def test_no_import_cycles() -> None:
    graph = {k: {d for d in v if d in _modules()} for k, v in _graph().items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    assert not cycles, cycles


def test_top_level_stays_small() -> None:
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL_MODULES, top


def test_rules_see_real_imports() -> None:
    """The checker itself: it finds a known edge, so an empty result means something."""
    graph = _graph()
    assert "mailagent.triage.stages.classify" in graph["mailagent.triage.pipeline"]
    assert "mailagent.db.models" in graph["mailagent.db.queries"] or any(
        d.startswith("mailagent.db") for d in graph["mailagent.db.queries"]
    )
