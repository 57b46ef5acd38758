"""The team screen (`t`, concierge): people, programs, network groups and claim windows, one tab
each, with the same changes as the hub host's command line (`triage agent set`, `program`,
`network`, `window`). Leaving with unsaved edits asks first."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static, TabbedContent, TabPane

from tui.desk.changes_pane import ChangesPane
from tui.desk.editor_pane import EditorPane
from tui.desk.people_pane import PeoplePane
from tui.desk.program_panes import NetworksPane, ProgramsPane, WindowsPane
from tui.widgets.keys_footer import KeysFooter

TABS = (("people", "People", PeoplePane), ("programs", "Programs", ProgramsPane),
        ("networks", "Network groups", NetworksPane), ("windows", "Claim windows", WindowsPane))


class TeamScreen(Screen[None]):
    AUTO_FOCUS = "#team-people .editor-search"
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True, id="team.save"),
        Binding("escape", "close", "Close", id="team.close"),
    ]

    def __init__(self, tab: str = "people") -> None:
        super().__init__()
        self.first_tab = tab

    def compose(self) -> ComposeResult:
        yield Static("Team · enter opens · ctrl+s saves · escape leaves", id="team-title")
        with TabbedContent(initial=self.first_tab, id="team-tabs"):
            for key, title, pane in TABS:
                with TabPane(title, id=key):
                    yield pane(id=f"team-{key}")
            with TabPane("Changes", id="changes"):
                yield ChangesPane(id="team-changes")
        yield KeysFooter()

    def pane(self, key: str) -> EditorPane:
        return self.query_one(f"#team-{key}", EditorPane)

    @property
    def active(self) -> EditorPane:
        active = self.query_one(TabbedContent).active
        return self.pane(active if active in {key for key, _, _ in TABS} else "people")

    def team_changed(self, what: str) -> None:
        """The hub says the team changed (here or anywhere): that tab's list again, and the
        changes."""
        pane = {"person": "people", "program": "programs", "network": "networks", "window": "windows"}.get(what)
        if pane is not None:
            self.pane(pane).reload()
        self.query_one(ChangesPane).reload()

    @on(TabbedContent.TabActivated)
    def tab_shown(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id == "changes":
            self.query_one(ChangesPane).reload()  # what was saved meanwhile, with who and when

    def action_save(self) -> None:
        if self.query_one(TabbedContent).active == "changes":
            return
        self.run_worker(self.active.save(), group="team-save", exclusive=True, exit_on_error=False)

    @work(group="team-close", exclusive=True, exit_on_error=False)
    async def action_close(self) -> None:
        for key, _, _ in TABS:
            pane = self.pane(key)
            if pane.dirty:
                self.query_one(TabbedContent).active = key
                if not await pane.settle():
                    return
        self.dismiss()
