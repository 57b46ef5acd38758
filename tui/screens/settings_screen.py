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
from tui.hub.messages import Reconnected
from tui.services import services
from tui.unsent import DISCARD, SAVE, LeaveModal, Unsent
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
        self.loaded_values: dict[str, Any] | None = None  # as the hub has them (unsaved: differ)

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

    @on(Reconnected)
    def reconnected(self) -> None:
        """Back after a drop: load again, unless the person has changed the form meanwhile (the
        availability line is refreshed then, the edits stay)."""
        self.load(keep_edits=self.loaded_values is not None and self.values() != self.loaded_values)

    @work(group="settings", exclusive=True, exit_on_error=False)
    async def load(self, keep_edits: bool = False) -> None:
        try:
            session = services(self).session
            avail = msgspec.convert(await session.request("availability.get"), AvailabilityView)
            notes = msgspec.convert(await session.request("notifications.get"), NotificationView)
        except HubError as exc:
            self.show_error(None, f"Could not load settings: {exc.message}")
            return
        if keep_edits:
            self.show_availability(avail)
            return
        self.clear_errors()
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
        self.loaded_values = self.values()

    def values(self) -> dict[str, Any]:
        return {name: self.value(name) for name in FIELDS}

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
        await self.store(availability, notifications)

    async def store(self, availability: dict[str, Any], notifications: dict[str, Any]) -> bool:
        """Both halves to the hub; True when the hub took every change."""
        saved, wanted = [], self.values()
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
        if len(saved) == 2:
            self.loaded_values = wanted
        return len(saved) == 2

    # ------------------------------------------------------------ leaving (tui/unsent.py)

    def unsent_input(self, quitting: bool = False) -> Unsent | None:
        if self.loaded_values is None or self.values() == self.loaded_values:
            return None
        changed = [LABELS[n].lower() for n in FIELDS if self.value(n) != self.loaded_values[n]]
        return Unsent(f"A change to {', '.join(changed)}", (SAVE, DISCARD))

    async def resolve_unsent(self, choice: str) -> bool:
        if choice == SAVE:
            self.clear_errors()
            args = self.availability_args()
            return args is not None and await self.store(args, self.notification_args())
        return choice == DISCARD

    @on(Switch.Changed)
    def switched(self, event: Switch.Changed) -> None:
        name = (event.switch.id or "").removeprefix("set-")
        if name in SWITCHES:
            state = self.query_one(f"#state-{name}", Label)
            state.update("on" if event.value else "off")
            state.set_class(event.value, "-on")

    @on(Button.Pressed, "#settings-close")
    def action_close(self) -> None:
        unsent = self.unsent_input()
        if unsent is None:
            self.dismiss()
            return

        def answered(choice: str | None) -> None:
            if choice == SAVE:
                self.save_then_close()
            elif choice == DISCARD:
                self.dismiss()

        self.app.push_screen(LeaveModal(unsent), cast(Any, answered))

    @work(exclusive=True, group="settings-save", exit_on_error=False)
    async def save_then_close(self) -> None:
        if await self.resolve_unsent(SAVE):
            self.dismiss()
