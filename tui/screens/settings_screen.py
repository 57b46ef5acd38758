"""Settings: availability (pause, time zone, working hours, vacation) and e-mail notifications.

Loads both views from the hub, saves with `availability.set` and `notifications.set`. The hub's
errors are shown next to the field they name; what was typed stays in place.
"""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from typing import Any, cast

import msgspec
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Input, Label, Static, Switch

from shared.protocol import AvailabilityView, HubError, NotificationView
from tui.services import services
from tui.widgets.keys_footer import KeysFooter

FIELDS = ("paused", "timezone", "work_hours", "vacation_start", "vacation_end", "email", "offers", "messages")
LABELS = {
    "paused": "Pause offers", "timezone": "Time zone", "work_hours": "Work hours",
    "vacation_start": "Vacation from", "vacation_end": "Vacation to", "email": "E-mail",
    "offers": "Mail offers", "messages": "Mail messages",
}
PLACEHOLDERS = {
    "timezone": "America/Chicago", "work_hours": "09:00-17:30 (empty: around the clock)",
    "vacation_start": "YYYY-MM-DD", "vacation_end": "YYYY-MM-DD", "email": "you@example.com",
}
SWITCHES = {"paused", "offers", "messages"}


def availability_line(view: AvailabilityView) -> str:
    return "Available now" if view.available else f"Not available: {view.reason or 'unknown'}"


def parse_day(text: str) -> datetime | None:
    """ "2026-12-20" -> midnight UTC that day; "" -> None. Raises ValueError otherwise."""
    text = text.strip()
    if not text:
        return None
    return datetime.combine(date.fromisoformat(text), time(0), tzinfo=timezone.utc)


def day_text(value: datetime | None) -> str:
    return value.date().isoformat() if value else ""


class SettingsScreen(Screen[None]):
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="settings.save"),
        Binding("escape", "close", "Close", id="settings.close"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.notifications: NotificationView | None = None

    def compose(self) -> ComposeResult:
        yield Static("Settings", id="settings-title")
        yield Label("Loading availability…", id="settings-available")
        yield Label("", id="settings-error")
        with VerticalScroll(id="settings-body"):
            for name in FIELDS:
                if name == "paused":
                    yield Label("Availability", classes="form-section")
                elif name == "email":
                    yield Label("E-mail notifications", classes="form-section")
                with Horizontal(classes="settings-row", id=f"row-{name}"):
                    yield Label(LABELS[name], classes="form-label")
                    if name in SWITCHES:
                        yield Switch(id=f"set-{name}")
                        # on or off in words: the slider's look alone is only a colour
                        yield Label("off", classes="switch-state", id=f"state-{name}")
                    else:
                        yield Input(placeholder=PLACEHOLDERS[name], id=f"set-{name}")
                # under the field, as wide as the screen: beside it the hub's words were cut
                yield Label("", classes="field-error", id=f"error-{name}")
            with Horizontal(id="settings-buttons"):
                yield Button("Save", variant="primary", id="settings-save", compact=True)
                yield Button("Close", id="settings-close", compact=True)
        yield KeysFooter()

    def on_mount(self) -> None:
        self.load()

    def field(self, name: str) -> Input | Switch:
        return cast("Input | Switch", self.query_one(f"#set-{name}"))  # compose made it one of them

    def value(self, name: str) -> Any:
        return self.field(name).value

    def set_value(self, name: str, value: Any) -> None:
        self.field(name).value = value

    def show_error(self, field: str | None, text: str) -> None:
        """Next to the field the hub named; otherwise on the line at the top."""
        if field in FIELDS:
            self.field_note(field, text)
            self.query_one(f"#row-{field}").add_class("-error")
        else:
            self.query_one("#settings-error", Label).update(text)
            self.query_one("#settings-error").add_class("-shown")

    def clear_errors(self) -> None:
        self.query_one("#settings-error", Label).update("")
        self.query_one("#settings-error").remove_class("-shown")
        for name in FIELDS:
            self.field_note(name, "")
            self.query_one(f"#row-{name}").remove_class("-error")

    def field_note(self, name: str, text: str) -> None:
        """The line under a field: the hub's error about it, or a note ("" hides it)."""
        note = self.query_one(f"#error-{name}", Label)
        note.update(text)
        note.set_class(bool(text), "-shown")

    def show_availability(self, view: AvailabilityView) -> None:
        line = self.query_one("#settings-available", Label)
        line.update(availability_line(view))
        line.set_class(view.available, "-available")
        line.set_class(not view.available, "-unavailable")

    @work(group="settings", exit_on_error=False)
    async def load(self) -> None:
        try:
            session = services(self).session
            avail = msgspec.convert(await session.request("availability.get"), AvailabilityView)
            notes = msgspec.convert(await session.request("notifications.get"), NotificationView)
        except HubError as exc:
            self.show_error(None, f"Could not load settings: {exc.message}")
            return
        self.fill(avail, notes)

    def fill(self, avail: AvailabilityView, notes: NotificationView) -> None:
        self.show_availability(avail)
        self.notifications = notes
        self.set_value("paused", avail.paused)
        self.set_value("timezone", avail.timezone)
        self.set_value("work_hours", avail.work_hours)
        self.set_value("vacation_start", day_text(avail.vacation_start))
        self.set_value("vacation_end", day_text(avail.vacation_end))
        self.set_value("email", notes.email)
        self.set_value("offers", notes.offers)
        self.set_value("messages", notes.messages)
        if not notes.mail_enabled:
            self.field_note("email", "this hub sends no e-mail")

    def availability_args(self) -> dict[str, Any] | None:
        args: dict[str, Any] = {"paused": self.value("paused"), "work_hours": self.value("work_hours").strip()}
        if self.value("timezone").strip():
            args["timezone"] = self.value("timezone").strip()
        ok = True
        for name in ("vacation_start", "vacation_end"):
            try:
                day = parse_day(self.value(name))
            except ValueError:
                self.show_error(name, "a date like 2026-12-20")
                ok = False
                continue
            args[name] = day.isoformat() if day else None
        return args if ok else None

    def notification_args(self) -> dict[str, Any]:
        return {"email": self.value("email").strip(), "offers": self.value("offers"),
                "messages": self.value("messages")}

    @on(Button.Pressed, "#settings-save")
    def action_save(self) -> None:
        self.clear_errors()
        args = self.availability_args()
        if args is not None:
            self.save(args, self.notification_args())

    @work(exclusive=True, group="settings-save", exit_on_error=False)
    async def save(self, availability: dict[str, Any], notifications: dict[str, Any]) -> None:
        saved = []
        for op, args in (("availability.set", availability), ("notifications.set", notifications)):
            try:
                raw = await services(self).session.request(op, **args)
            except HubError as exc:
                self.show_error(exc.details.get("field"), exc.message)
                continue
            if op == "availability.set":
                self.show_availability(msgspec.convert(raw, AvailabilityView))
                saved.append("availability")
            else:
                self.notifications = msgspec.convert(raw, NotificationView)
                saved.append("notifications")
        if saved:
            self.notify(f"Saved {' and '.join(saved)}", title="Settings")

    @on(Switch.Changed)
    def switched(self, event: Switch.Changed) -> None:
        name = (event.switch.id or "").removeprefix("set-")
        if name in SWITCHES:
            state = self.query_one(f"#state-{name}", Label)
            state.update("on" if event.value else "off")
            state.set_class(event.value, "-on")

    @on(Button.Pressed, "#settings-close")
    def action_close(self) -> None:
        self.dismiss()
