"""The house's rules, checked: the layer contracts in pyproject.toml hold, no module imports
itself through a circle (counting imports made only for type checking), opening the terminal
app loads none of the hub's storage stack, and no module grows past the size a reader can hold."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("shared", "server", "tui", "triage")
MAX_LINES = 400


def test_the_import_contracts_hold() -> None:
    """`lint-imports` (import-linter) keeps every contract of pyproject.toml."""
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


def _circles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in graph.find_modules_directly_imported_by(module):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                group.append(item)
                if item == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    sys.setrecursionlimit(10_000)
    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_module_imports_itself_through_a_circle() -> None:
    graph = grimp.build_graph(*PACKAGES, include_external_packages=False, cache_dir=None)
    # a package's __init__ that re-exports its modules is not a circle of ideas; grimp counts
    # "package imports child" only when the __init__ really imports it, so nothing is excused
    assert _circles(graph) == []


def test_the_circle_check_sees_a_circle() -> None:
    """The check itself: two modules that import each other are found."""
    graph = grimp.ImportGraph()
    for name in ("pkg", "pkg.a", "pkg.b", "pkg.c"):
        graph.add_module(name)
    graph.add_import(importer="pkg.a", imported="pkg.b")
    graph.add_import(importer="pkg.b", imported="pkg.a")
    graph.add_import(importer="pkg.c", imported="pkg.a")
    assert _circles(graph) == [["pkg.a", "pkg.b"]]


@pytest.mark.parametrize("entry", [
    "import triage.cli; triage.cli.build_parser()",
    "import tui.app",
    "import triage.cli\ntry:\n    triage.cli.main(['--help'])\nexcept SystemExit:\n    pass",
])
def test_opening_the_app_loads_no_storage_stack(entry: str) -> None:
    """The app and the command line's parser import neither SQLAlchemy, Alembic nor aiosqlite:
    the app starts faster and a machine without the hub's stack can run it."""
    probe = entry + (
        "\nimport sys\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'alembic', 'aiosqlite'}))"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stdout


def test_no_module_is_over_the_size_a_reader_can_hold() -> None:
    too_long = {
        str(path.relative_to(ROOT)): lines
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert too_long == {}
