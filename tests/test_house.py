"""The house has one direction: index_store imports nothing above it, eval never imports qa,
only qa's CLI reaches eval, and no two modules import each other (type-checking imports count:
a shared type lives where both modules can read it)."""

from __future__ import annotations

import ast
from itertools import combinations
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("qa", "index_store", "eval")


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    """Every project module the file imports, at any depth of its code."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name.split(".")[0] in PACKAGES}


def project_graph() -> dict[str, set[str]]:
    modules = {
        module_name(path): path for package in PACKAGES for path in (REPO / package).rglob("*.py")
    }
    return {name: imported_modules(path) & modules.keys() for name, path in modules.items()}


GRAPH = project_graph()


@pytest.mark.parametrize(
    ("importer", "forbidden"),
    [("index_store", ("qa", "eval")), ("eval", ("qa",))],
)
def test_lower_floors_never_import_upper_ones(importer, forbidden):
    upward = {
        (module, target)
        for module, targets in GRAPH.items()
        if module.split(".")[0] == importer
        for target in targets
        if target.split(".")[0] in forbidden
    }
    assert upward == set()


def test_only_the_cli_imports_eval():
    importers = {
        module
        for module, targets in GRAPH.items()
        if module.startswith("qa.") and any(t.split(".")[0] == "eval" for t in targets)
    }
    assert importers <= {m for m in GRAPH if m.startswith("qa.cli")}
    assert importers, "the CLI's eval command should import eval"


def test_no_two_modules_import_each_other():
    cycles = [
        (a, b)
        for a, b in combinations(sorted(GRAPH), 2)
        if b in GRAPH[a] and a in GRAPH[b] and not _is_package_of(a, b)
    ]
    assert cycles == []


def _is_package_of(a: str, b: str) -> bool:
    """A package's __init__ re-exporting its own submodule is not a cycle between two modules."""
    return b.startswith(a + ".") or a.startswith(b + ".")


def test_reading_sits_below_retrieval_and_answering():
    """qa.reading is the shared know-how every answerer reads with: it reads nothing of theirs."""
    above = ("qa.models", "qa.retrieval", "qa.answering", "qa.api", "qa.cli", "qa.server")
    upward = {
        (module, target)
        for module, targets in GRAPH.items()
        if module.startswith("qa.reading")
        for target in targets
        if target.startswith(above)
    }
    assert upward == set()
