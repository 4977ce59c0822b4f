"""The house has one direction: index_store imports nothing above it, eval never imports qa,
only qa's CLI reaches eval, and no modules import each other, two or more in a circle
(type-checking imports count: a shared type lives where both modules can read it)."""

from __future__ import annotations

import ast
from collections import deque
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


def test_no_circle_of_imports():
    circles = {" -> ".join(circle) for module in GRAPH if (circle := circle_through(GRAPH, module))}
    assert not circles, "modules importing each other:\n" + "\n".join(sorted(circles))


def test_a_circle_of_any_length_is_found():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"a"}}
    assert circle_through(graph, "b") == ("a", "b", "c", "a")
    assert circle_through(graph, "d") is None
    assert circle_through(graph, "e") is None


def test_a_package_naming_itself_or_read_by_its_own_modules_is_no_circle():
    graph = {"p": {"p", "p.a"}, "p.a": {"p"}}
    assert circle_through(graph, "p") is None
    assert circle_through(graph, "p.a") is None
    graph = {"p": {"p.a"}, "p.a": {"q"}, "q": {"p"}}
    assert circle_through(graph, "q") == ("p", "p.a", "q", "p")


def circle_through(graph: dict[str, set[str]], start: str) -> tuple[str, ...] | None:
    """The shortest chain of imports from `start` back to it, told from its first module in
    sorted order (so one circle reads the same from each of its modules), or None."""
    chains = {start: (start,)}
    queue = deque([start])
    while queue:
        module = queue.popleft()
        for target in sorted(graph[module]):
            if _is_package_of(target, module):
                continue
            if target == start:
                circle = chains[module]
                first = circle.index(min(circle))
                return circle[first:] + circle[: first + 1]
            if target not in chains:
                chains[target] = chains[module] + (target,)
                queue.append(target)
    return None


def _is_package_of(package: str, module: str) -> bool:
    """`from pkg import sub` names the package though it reads the submodule, so a module's
    import of its own package (or of itself, in an __init__) does not close a circle."""
    return module == package or module.startswith(package + ".")


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


def test_no_module_reads_inside_an_answer_model_package():
    """A provider package (`qa.models.extractive`) is reached only through the registry: what
    several answerers share lives in qa.reading, so no other module imports its internals."""
    providers = {m for m in GRAPH if m.startswith("qa.models.") and m.count(".") == 3}
    packages = {m.rsplit(".", 1)[0] for m in providers}
    reaching_in = {
        (module, target)
        for module, targets in GRAPH.items()
        for target in targets
        if any(_is_package_of(p, target) for p in packages)
        and not any(_is_package_of(p, module) for p in packages)
        and module != "qa.models.registry"
    }
    assert packages and reaching_in == set()
