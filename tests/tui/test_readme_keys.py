"""README.md's key tables and the app's bindings are the same: every binding of every place is
in the table of its group with its keys, and every row of the tables is a binding (or a key of
one of Textual's own widgets that the place lists)."""

from __future__ import annotations

import re
from pathlib import Path

import msgspec

from tui.app import TriageApp
from tui.config import Config
from tui.keys import PLACES, bindings, check_keymap, keys_of

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_tables() -> dict[str, dict[str, tuple[str, ...]]]:
    """Group title -> {binding id ("" + key for a widget's key): its keys, normalised}."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Using the terminal app"):]
    section = section[:section.index("\n## ", 10)]
    tables: dict[str, dict[str, tuple[str, ...]]] = {}
    title = None
    for line in section.splitlines():
        if line.startswith("#### "):
            title = line[5:].strip()
            tables[title] = {}
        elif title and line.startswith("| `"):
            key_cell, id_cell = (cell.strip() for cell in line.strip("|").split("|")[:2])
            keys = tuple(sorted(k for token in re.findall(r"`([^`]+)`", key_cell) for k in keys_of("comma" if token == "," else token)))
            binding_id = id_cell.strip("`") or f"widget:{keys}"
            assert binding_id not in tables[title], f"{binding_id} twice under {title}"
            tables[title][binding_id] = keys
    return tables


def app_tables() -> dict[str, dict[str, tuple[str, ...]]]:
    groups = {"Everywhere": bindings(TriageApp)}
    widget_keys = {}
    for place in PLACES:
        groups[place.name] = bindings(place.screen)
        widget_keys[place.name] = place.widget_keys
        for part in place.parts:
            groups[part.title] = bindings(part.owner)
    tables = {}
    for title, owned in groups.items():
        rows = {b.id or b.action: tuple(sorted(keys_of(b.key))) for b in owned}
        for key, _words in widget_keys.get(title, ()):
            keys = tuple(sorted(keys_of(key)))
            rows[f"widget:{keys}"] = keys
        tables[title] = rows
    return tables


def test_the_readme_key_tables_are_the_apps_bindings() -> None:
    readme, app = readme_tables(), app_tables()
    assert set(readme) == set(app), "README.md's key tables and the places differ"
    for title in app:
        missing = {i: k for i, k in app[title].items() if readme[title].get(i) != k}
        extra = {i: k for i, k in readme[title].items() if app[title].get(i) != k}
        assert not missing and not extra, (title, "not in the README as bound:", missing,
                                           "in the README only:", extra)


def test_every_binding_has_an_id_and_a_description() -> None:
    for title, owned in [("Everywhere", bindings(TriageApp))] + [
            (p.name, bindings(p.screen) + [b for part in p.parts for b in bindings(part.owner)])
            for p in PLACES]:
        for binding in owned:
            assert binding.id and binding.description, (title, binding)


def test_the_readme_config_example_starts() -> None:
    text = README.read_text(encoding="utf-8")
    block = text[text.index("```toml", text.index("## Using the terminal app")):]
    block = block[len("```toml"):block.index("```", 7)]
    config = msgspec.toml.decode(block.encode(), type=Config)
    assert config.keys
    check_keymap(TriageApp, config.keys)  # no remap in the README shadows another key
