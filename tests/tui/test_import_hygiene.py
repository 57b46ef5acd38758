"""The app's layering, checked on its import graph (grimp, which import-linter is built on):
no import circles inside tui/ (TYPE_CHECKING and function-level imports count), screens and
widgets never import the app, the hub layer knows no screen, and tui never imports the hub's
server or the CLI."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

grimp = pytest.importorskip("grimp")


@pytest.fixture(scope="module")
def graph() -> Any:
    return grimp.build_graph("tui", include_external_packages=True, cache_dir=None)


def tui_modules(graph: Any) -> list[str]:
    return sorted(m for m in graph.modules if m == "tui" or m.startswith("tui."))


def test_no_import_circles_inside_tui(graph: Any) -> None:
    circles = []
    for a, b in itertools.combinations(tui_modules(graph), 2):
        there = graph.find_shortest_chain(importer=a, imported=b)
        back = there and graph.find_shortest_chain(importer=b, imported=a)
        if back:
            circles.append(" -> ".join(there) + " | back: " + " -> ".join(back))
    assert not circles, "\n".join(circles)


@pytest.mark.parametrize("lower, higher", [
    ("tui.screens", "tui.app"),
    ("tui.inbox", "tui.app"),
    ("tui.widgets", "tui.app"),
    ("tui.services", "tui.app"),
    ("tui.hub", "tui.app"),
    ("tui.hub", "tui.inbox"),
    ("tui.hub", "tui.screens"),
    ("tui.hub", "tui.widgets"),
    ("tui.screens", "tui.inbox"),
])
def test_lower_layers_do_not_import_higher_ones(graph: Any, lower: str, higher: str) -> None:
    chain = graph.find_shortest_chains(importer=lower, imported=higher, as_packages=True)
    assert not chain, f"{lower} imports {higher}: {sorted(chain)}"


def test_tui_imports_neither_the_server_nor_the_cli(graph: Any) -> None:
    for outside in ("server", "triage"):
        assert outside not in graph.modules or not graph.find_shortest_chains(
            importer="tui", imported=outside, as_packages=True), outside
