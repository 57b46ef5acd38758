"""The concierge's routing dry run (`D`): who would get an appointment in a zip code right now,
in offer order, and why each of the others would not."""

from __future__ import annotations

import msgspec
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Input, Label, Static

from shared.protocol import DryRunResult, DryRunRow, HubError
from tui.hub.messages import Reconnected
from tui.services import services
from tui.widgets.keys_footer import KeysFooter


def summary(result: DryRunResult, at: str) -> str:
    eligible = [row for row in result.agents if row.eligible]
    if not result.agents:
        return f"No agent serves {result.zip}: an appointment there would wait, unclaimed ({at})."
    if not eligible:
        return (f"{len(result.agents)} agent(s) serve {result.zip}, none available now: "
                f"an appointment would wait without a running clock ({at}).")
    first = eligible[0].agent.name
    return (f"{first} would get an appointment in {result.zip} now; {len(eligible)} of "
            f"{len(result.agents)} agent(s) available ({at}).")


def row_cells(row: DryRunRow) -> tuple[str, str, str, str]:
    order = str(row.order) if row.order is not None else "-"
    verdict = "next in line" if row.order == 1 else ("in line" if row.eligible else "not now")
    return order, row.agent.name, verdict, row.reason


def row_line(row: DryRunRow) -> str:
    """One row whole, for the line under the table: its agent, brokerage, verdict and why."""
    _, name, verdict, why = row_cells(row)
    who = f"{name} ({row.agent.brokerage})" if row.agent.brokerage else name
    return f"{who} · {verdict} · {why}"


class DryRunScreen(Screen[None]):
    BINDINGS = [Binding("escape", "close", "Close", id="dryrun.close")]

    def __init__(self, zip_code: str = "") -> None:
        super().__init__()
        self.zip_code = zip_code
        self.asked = ""  # the zip of the last dry run asked for
        self.rows: dict[str, DryRunRow] = {}  # the shown rows, by agent id

    def compose(self) -> ComposeResult:
        yield Static("Routing dry run · who would get an appointment now", id="dryrun-title")
        with Horizontal(id="dryrun-fields"):
            yield Label("Zip", classes="form-label")
            yield Input(self.zip_code, placeholder="zip code", id="dryrun-zip",
                        max_length=5, restrict=r"\d*", compact=True)
        yield Label("Type a zip code and press enter.", id="dryrun-summary")
        yield DataTable(id="dryrun-table", cursor_type="row", zebra_stripes=True)
        yield Label("", id="dryrun-why")  # the highlighted row whole: a narrow table cuts its why
        yield KeysFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("#", key="order")
        table.add_column("agent", key="agent")
        table.add_column("now", key="verdict")
        table.add_column("why", key="why")
        self.query_one(Input).focus()
        if self.zip_code:
            self.run_dry(self.zip_code)

    @on(Input.Submitted, "#dryrun-zip")
    def submitted(self, event: Input.Submitted) -> None:
        event.stop()
        zip_code = event.value.strip()
        if len(zip_code) != 5:
            self.query_one("#dryrun-summary", Label).update("A zip code has five digits, e.g. 78701.")
            return
        self.run_dry(zip_code)

    @on(Reconnected)
    def reconnected(self) -> None:
        if self.asked:
            self.run_dry(self.asked)  # the last zip asked about, as the hub sees it now

    @work(exclusive=True, group="dry-run", exit_on_error=False)
    async def run_dry(self, zip_code: str) -> None:
        self.asked = zip_code
        label = self.query_one("#dryrun-summary", Label)
        label.update(f"asking the hub about {zip_code}…")
        try:
            raw = await services(self).session.request("routing.dry_run", zip=zip_code)
        except HubError as exc:
            label.update(f"Dry run refused: {exc.message}")
            return
        self.show(msgspec.convert(raw, DryRunResult))

    def show(self, result: DryRunResult) -> None:
        at = result.at.astimezone(services(self).tz).strftime("%H:%M")
        self.query_one("#dryrun-summary", Label).update(summary(result, at))
        table = self.query_one(DataTable)
        table.clear()
        self.rows = {row.agent.id: row for row in result.agents}
        self.query_one("#dryrun-why", Label).update("")
        for row in result.agents:
            table.add_row(*row_cells(row), key=row.agent.id)

    @on(DataTable.RowHighlighted, "#dryrun-table")
    def highlighted(self, event: DataTable.RowHighlighted) -> None:
        row = self.rows.get(event.row_key.value or "")
        self.query_one("#dryrun-why", Label).update(row_line(row) if row else "")

    def action_close(self) -> None:
        self.dismiss()
