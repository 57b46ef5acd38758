"""One tab of the team screen: a list of things (people, programs, network groups, areas) beside
a form editing the one opened with enter. Saving sends the change to the hub; a refusal is shown
next to the field the hub names and what was typed stays. Opening another one, or leaving, with
unsaved edits asks first: save, discard or stay."""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from typing import Any, Generic, TypeVar

from rapidfuzz import fuzz, process, utils
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, OptionList
from textual.widgets.option_list import Option

from shared.protocol import ErrorCode, HubError
from tui.desk.form import Field, FieldError, FieldForm
from tui.screens.choice_modal import ChoiceModal

T = TypeVar("T")
NEW = "+new"  # the list's first entry, where a pane can add
MIN_TEXT_SCORE = 60.0  # as the hub's agent search: fuzzy on name, brokerage and city
UNSAVED = [("save", "Save them"), ("discard", "Discard them"), ("stay", "Stay here")]


def fuzzy_filter(text: str, keys: dict[str, str]) -> list[str]:
    """The ids whose text matches `text` the way the agent search matches names and brokerages
    (rapidfuzz WRatio, the same cut-off), best first; every id, in order, for no text."""
    query = utils.default_process(text) if text.strip() else ""
    if not query:
        return list(keys)
    found = process.extract(query, {k: utils.default_process(v) for k, v in keys.items()},
                            scorer=fuzz.WRatio, processor=None, limit=None, score_cutoff=MIN_TEXT_SCORE)
    return [key for _, _, key in sorted(found, key=lambda hit: -hit[1])]


class _AbstractWidget(ABCMeta, type(Vertical)):  # type: ignore[misc]
    """Textual's widgets have a metaclass of their own: abstract hooks need both."""


class EditorPane(Vertical, Generic[T], metaclass=_AbstractWidget):
    """Subclasses say what the items are, how one reads in the list and the form, and how a
    change is saved (`load`, `label`, `search_text`, `form_values`, `save_item`): a tab that
    leaves one of the abstract hooks out cannot be made (tests/tui/test_team_screen.py)."""

    FIELDS: tuple[Field, ...] = ()
    NOUN = "item"
    PLURAL = "items"
    CAN_ADD = True
    SEARCH = False

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.items: dict[str, T] = {}
        self.current: str | None = None  # the id open in the form; None: a new one

    # ------------------------------------------------------------ for subclasses

    @abstractmethod
    async def load(self) -> list[tuple[str, T]]:
        """The items as the hub has them now, each with its id, in the order to list them."""

    @abstractmethod
    def label(self, item: T) -> str:
        """How `item` reads in the list."""

    def search_text(self, item: T) -> str:
        return self.label(item)

    @abstractmethod
    def form_values(self, item: T | None) -> dict[str, Any]:
        """The form's values for `item` by field name (None: a new one's)."""

    @abstractmethod
    async def save_item(self, item_id: str | None, values: dict[str, Any],
                        changed: set[str]) -> tuple[str, T | None]:
        """Send the change; return the item as the hub now has it (None: it is gone from the
        list). Raise `FieldError` for what cannot be sent, `HubError` for a refusal."""

    # ------------------------------------------------------------ the pane

    def compose(self) -> ComposeResult:
        with Horizontal(classes="editor-body"):
            with Vertical(classes="editor-list-side"):
                if self.SEARCH:
                    yield Input(placeholder=f"search {self.PLURAL}: name, brokerage, city", compact=True,
                                classes="editor-search")
                yield OptionList(classes="editor-list")
            with Vertical(classes="editor-form-side"):
                yield Label(f"enter opens a {self.NOUN}", classes="editor-title")
                yield FieldForm(self.FIELDS, classes="editor-form")
                with Horizontal(classes="editor-buttons"):
                    yield Button("Save (ctrl+s)", variant="primary", compact=True, classes="editor-save")

    @property
    def form(self) -> FieldForm:
        return self.query_one(FieldForm)

    @property
    def dirty(self) -> bool:
        return self.form.dirty

    def on_mount(self) -> None:
        self.form.display = False
        self.query_one(".editor-buttons").display = False
        self.reload()

    @work(group="editor-load", exclusive=True, exit_on_error=False)
    async def reload(self) -> None:
        try:
            loaded = await self.load()
        except HubError as exc:
            self.query_one(".editor-title", Label).update(f"Could not load the {self.PLURAL}: {exc.message}")
            return
        before = self.items.get(self.current) if self.current is not None else None
        self.items = dict(loaded)
        self.refill_list()
        now = self.items.get(self.current) if self.current is not None else None
        if self.form.display and before is not None and now != before:
            if self.dirty:  # keep what is being typed; say that the hub has news
                self.form.show_error(None, "changed on the hub meanwhile: saving sends your edits")
            else:
                self.show_item(self.current)

    def refill_list(self) -> None:
        options = self.query_one(OptionList)
        keep = options.highlighted_option.id if options.highlighted_option is not None else None
        text = self.query_one(".editor-search", Input).value if self.SEARCH else ""
        ids = fuzzy_filter(text, {key: self.search_text(item) for key, item in self.items.items()})
        entries = ([Option(f"+ add a {self.NOUN}", id=NEW)] if self.CAN_ADD else [])
        entries += [Option(self.label(self.items[key]), id=key) for key in ids]
        options.clear_options()
        options.add_options(entries)
        index = next((i for i, option in enumerate(entries) if option.id == keep), 0 if entries else None)
        options.highlighted = index

    @on(Input.Changed, ".editor-search")
    def search_changed(self) -> None:
        self.refill_list()

    @on(Input.Submitted, ".editor-search")
    def search_done(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected, ".editor-list")
    def opened(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.open_item(None if event.option.id == NEW else event.option.id)

    @work(group="editor-open", exclusive=True, exit_on_error=False)
    async def open_item(self, item_id: str | None) -> None:
        if item_id == self.current and self.form.display:
            self.form.query(".team-row Input, .team-row Switch, .team-row Select").first().focus()
            return
        if not await self.settle():
            return
        self.show_item(item_id)
        self.form.query(".team-row Input, .team-row Switch, .team-row Select").first().focus()

    def show_item(self, item_id: str | None) -> None:
        self.current = item_id
        item = self.items.get(item_id) if item_id is not None else None
        title = f"New {self.NOUN}" if item is None else f"{self.label(item)}"
        self.query_one(".editor-title", Label).update(title)
        self.form.display = True
        self.query_one(".editor-buttons").display = True
        self.form.fill(self.form_values(item))

    async def settle(self) -> bool:
        """Unsaved edits: ask to save, discard or stay. True when the pane may move on."""
        if not self.dirty:
            return True
        answer = await self.app.push_screen_wait(ChoiceModal(
            f"Unsaved changes to {self.query_one('.editor-title', Label).render()}", UNSAVED,
            "enter: choose · escape: stay"))
        if answer == "save":
            return await self.save()
        if answer == "discard":
            self.form.fill(self.form_values(self.items.get(self.current) if self.current else None))
            return True
        return False

    @on(Button.Pressed, ".editor-save")
    def save_pressed(self) -> None:
        self.run_worker(self.save(), group="editor-save", exclusive=True, exit_on_error=False)

    async def save(self) -> bool:
        """Send what changed; True when the hub took it (or nothing had changed)."""
        form = self.form
        if not form.display:
            return True
        form.clear_errors()
        changed = form.changed()
        if not changed and self.current is not None:
            self.notify("Nothing changed.", title=f"Save {self.NOUN}")
            return True
        try:
            item_id, item = await self.save_item(self.current, form.values(), changed)
        except FieldError as exc:
            form.show_error(exc.field, exc.text)
            return False
        except HubError as exc:
            text = "the hub is not reachable now; what you typed is kept" if exc.code == ErrorCode.OFFLINE \
                else exc.message
            form.show_error(exc.details.get("field"), text)
            self.notify(text, title=f"Save {self.NOUN}: refused", severity="error")
            return False
        if item is None:
            self.items.pop(item_id, None)
            self.current = None
            self.form.fill({})
            self.form.display = False
            self.query_one(".editor-buttons").display = False
            self.refill_list()
            self.notify(f"Saved: {item_id} is back to the default", title=f"Save {self.NOUN}")
            return True
        self.items[item_id] = item
        self.current = item_id
        self.refill_list()
        self.show_item(item_id)
        self.notify(f"Saved {self.label(item)}", title=f"Save {self.NOUN}")
        return True
