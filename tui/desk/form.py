"""A form of labelled fields for the desk's team screens: each field's error is shown next to it
(the hub names the field in `details.field`), what was typed stays, and the form knows whether
anything changed since it was filled (`dirty`), so leaving can ask first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Select, Switch


@dataclass(frozen=True)
class Field:
    key: str  # the wire's name for it, so the hub's `details.field` finds it
    label: str
    placeholder: str = ""
    kind: str = "text"  # "text", "switch" or "choice"
    choices: tuple[tuple[str, str], ...] = ()  # (label, value) for a choice


class FieldError(ValueError):
    """What was typed in one field cannot be sent: the field, and what to type instead."""

    def __init__(self, field: str, text: str) -> None:
        super().__init__(text)
        self.field = field
        self.text = text


def split_list(text: str) -> list[str]:
    """ "78701, 78704 78705" -> ["78701", "78704", "78705"]: commas or spaces between items."""
    return [part for part in text.replace(",", " ").split() if part]


def split_phrases(text: str) -> list[str]:
    """ "real estate, luxury" -> ["real estate", "luxury"]: commas only (items may hold spaces)."""
    return [part.strip() for part in text.split(",") if part.strip()]


def parse_number(field: str, text: str, *, whole: bool = False, low: float = 0.0) -> float:
    try:
        value = int(text) if whole else float(text)
    except ValueError:
        raise FieldError(field, "a whole number, e.g. 5" if whole else "a number, e.g. 85") from None
    if value < low:
        raise FieldError(field, f"{low:g} or more")
    return value


class FieldForm(Vertical):
    """The fields in rows: label, input, and the error of that field; up and down move between
    the fields."""

    BINDINGS = [
        Binding("down", "app.focus_next", "Next field", show=False, id="team.next_field"),
        Binding("up", "app.focus_previous", "Previous field", show=False, id="team.previous_field"),
    ]

    def __init__(self, fields: tuple[Field, ...], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fields = fields
        self.baseline: dict[str, Any] = {}

    def compose(self) -> ComposeResult:
        yield Label("", classes="team-form-error")
        for field in self.fields:
            with Horizontal(classes="team-row", id=f"row-{field.key}"):
                yield Label(field.label, classes="form-label")
                if field.kind == "switch":
                    yield Switch(id=f"in-{field.key}")
                elif field.kind == "choice":
                    yield Select(list(field.choices), allow_blank=False, id=f"in-{field.key}", compact=True)
                else:
                    yield Input(placeholder=field.placeholder, id=f"in-{field.key}", compact=True)
            yield Label("", classes="field-error", id=f"err-{field.key}")

    def widget(self, key: str) -> Input | Switch | Select[str]:
        return self.query_one(f"#in-{key}")  # type: ignore[return-value]

    def values(self) -> dict[str, Any]:
        """What each field holds now (text stripped)."""
        out: dict[str, Any] = {}
        for field in self.fields:
            value = self.widget(field.key).value
            out[field.key] = value.strip() if isinstance(value, str) else value
        return out

    def fill(self, values: dict[str, Any]) -> None:
        """Show these values, and take them as the saved state."""
        self.clear_errors()
        for field in self.fields:
            widget = self.widget(field.key)
            value = values.get(field.key)
            if field.kind == "switch":
                widget.value = bool(value)
            elif field.kind == "choice":
                widget.value = value if value is not None else field.choices[0][1]
            else:
                widget.value = "" if value is None else str(value)
        self.baseline = self.values()

    def mark_saved(self) -> None:
        self.baseline = self.values()

    @property
    def dirty(self) -> bool:
        return bool(self.baseline) and self.values() != self.baseline

    def changed(self) -> set[str]:
        now = self.values()
        return {key for key, value in now.items() if self.baseline.get(key) != value}

    def show_error(self, field: str | None, text: str) -> None:
        """Next to the field named (the hub's `details.field`), else on the form's top line."""
        keys = {f.key for f in self.fields}
        if field in keys:
            self.query_one(f"#err-{field}", Label).update(text)
            self.query_one(f"#row-{field}").add_class("-error")
            self.query_one(f"#err-{field}").add_class("-shown")
        else:
            line = self.query_one(".team-form-error", Label)
            line.update(text)
            line.add_class("-shown")

    def clear_errors(self) -> None:
        line = self.query_one(".team-form-error", Label)
        line.update("")
        line.remove_class("-shown")
        for field in self.fields:
            self.query_one(f"#err-{field.key}", Label).update("")
            self.query_one(f"#err-{field.key}").remove_class("-shown")
            self.query_one(f"#row-{field.key}").remove_class("-error")

    def error_of(self, field: str) -> str:
        return str(self.query_one(f"#err-{field}", Label).render()).strip()
