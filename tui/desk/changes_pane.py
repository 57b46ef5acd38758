"""The team screen's changes: the newest changes to people, programs, network groups and claim
windows from the audit log, each with who made it, when, and what changed from what to what
(the same entries as `triage export --what audit`)."""

from __future__ import annotations

from datetime import tzinfo

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Label

from shared.protocol import ExportAuditRow, HubError
from tui.services import services

TEAM_ACTIONS = {
    "person_changed": "person", "program_added": "program added", "program_changed": "program",
    "network_added": "network added", "network_changed": "network", "window_set": "claim window",
}
LOOK_BACK = 1000  # audit entries read for the newest team changes


def change_rows(entries: list[ExportAuditRow], tz: tzinfo | None) -> list[tuple[str, str, str, str, Text]]:
    """The team changes among the entries, newest first: when, who, what, which, from -> to."""
    rows = []
    for entry in reversed(entries):
        if entry.action in TEAM_ACTIONS:
            at = entry.at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
            rows.append((at, entry.actor, TEAM_ACTIONS[entry.action], entry.referral_id,
                         Text(entry.reason, no_wrap=True, overflow="ellipsis")))
    return rows


class ChangesPane(Vertical):
    def compose(self) -> ComposeResult:
        yield Label("The newest team changes, newest first", classes="changes-title")
        yield DataTable(cursor_type="row", zebra_stripes=True, classes="changes-table")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, label in (("at", "When"), ("actor", "Who"), ("what", "What"), ("subject", "Of"),
                           ("change", "Change")):
            table.add_column(label, key=key)
        self.reload()

    @work(group="changes", exclusive=True, exit_on_error=False)
    async def reload(self) -> None:
        title = self.query_one(".changes-title", Label)
        try:
            entries = await services(self).session.latest_audit(LOOK_BACK)
        except HubError as exc:
            title.update(f"Could not read the audit log: {exc.message}")
            return
        rows = change_rows(entries, services(self).tz)
        table = self.query_one(DataTable)
        table.clear()
        for index, row in enumerate(rows):
            table.add_row(*row, key=str(index))
        title.update(f"The newest team changes, newest first ({len(rows)})" if rows
                     else "No team changes yet")
