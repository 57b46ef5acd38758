"""The desk board (`b`, concierge): every live appointment with its phase, who holds it now, the
time left, passes so far and the next agent in line; the unclaimed ones, to reopen (`r`) or hand
to an agent (`h`); and the active leads with who works them.

Live like the inbox: the app tells it when a referral event arrives or the link comes back
(`hub_changed`), and it asks the hub for the board again, at most once per `REFETCH_DELAY`.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.events import Resize
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Label, Static

from shared.protocol import DeskBoard, ErrorCode, HubError, PersonProfile
from tui.desk.board_table import BoardTable
from tui.hub.messages import LinkState
from tui.screens.choice_modal import ChoiceModal
from tui.services import services
from tui.widgets.keys_footer import KeysFooter

REFETCH_DELAY = 0.3  # seconds: a burst of events costs one board
SECTIONS = ("appointments", "unclaimed", "active")
HEADINGS = {
    "appointments": "Offered appointments",
    "unclaimed": "Unclaimed: r reopens to every eligible agent, h hands it to one",
    "active": "Active leads",
}


def agent_choices(people: list[PersonProfile], zip_code: str) -> list[tuple[str, str]]:
    """The agents to hand an appointment in `zip_code` to: those serving it, by rank (paused
    ones said so); every other agent after them, marked as not serving it."""
    agents = [p for p in people if "agent" in p.roles]
    serving = sorted((p for p in agents if zip_code in p.zips), key=lambda p: (-p.rank, p.name))
    others = sorted((p for p in agents if zip_code not in p.zips), key=lambda p: p.name)
    choices = []
    for person in serving:
        extra = " · paused" if person.paused else ""
        parts = (person.name, f"rank {person.rank:g}", person.brokerage)
        choices.append((person.id, " · ".join(p for p in parts if p) + extra))
    for person in others:
        choices.append((person.id, f"{person.name} · does not serve {zip_code}"))
    return choices


class DeskBoardScreen(Screen[None]):
    AUTO_FOCUS = "#board-appointments"

    BINDINGS = [
        Binding("r", "reopen", "Reopen", id="desk.reopen"),
        Binding("h", "assign", "Hand to agent", id="desk.assign"),
        Binding("f5,ctrl+r", "refresh", "Refresh", show=False, id="desk.refresh"),
        Binding("escape", "close", "Close", id="desk.close"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.board: DeskBoard | None = None
        self.online = True  # the app says otherwise when the link drops
        self._refetch_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        now = services(self).session.hub_now
        yield Static("Desk board · loading…", id="board-title")
        with VerticalScroll(id="board-body"):
            for section in SECTIONS:
                yield Label(HEADINGS[section], classes="board-heading", id=f"heading-{section}")
                yield BoardTable(section, now, id=f"board-{section}")
        yield Label("", id="board-status")
        yield KeysFooter()

    def table(self, section: str) -> BoardTable:
        return self.query_one(f"#board-{section}", BoardTable)

    def on_mount(self) -> None:
        self.online = services(self).session.state == "connected"
        self.set_interval(1.0, self.tick, name="board-countdown")
        self.fetch()

    def tick(self) -> None:
        self.table("appointments").tick()

    # ------------------------------------------------------------ live

    def hub_changed(self) -> None:
        """A referral changed somewhere, or the link came back: the board again, soon."""
        if self._refetch_timer is None:
            self._refetch_timer = self.set_timer(REFETCH_DELAY, self._refetch)

    def show_link(self, state: LinkState) -> None:
        """Offline, the board says so and keeps what the hub said last; back online, it asks."""
        self.online = state == "connected"
        self.show_title()
        if self.online:
            self.hub_changed()

    def _refetch(self) -> None:
        self._refetch_timer = None
        self.fetch()

    def action_refresh(self) -> None:
        self.fetch()

    @work(group="desk-board", exclusive=True, exit_on_error=False)
    async def fetch(self) -> None:
        try:
            board = await services(self).session.desk_board()
        except HubError as exc:
            if exc.code == ErrorCode.OFFLINE:
                self.say("Offline: the board shows what the hub said last; it refreshes on reconnecting.")
            else:
                self.say(f"Could not load the board: {exc.message}")
            return
        self.say("")
        self.show(board)

    def show(self, board: DeskBoard) -> None:
        self.board = board
        for section in SECTIONS:
            rows = getattr(board, section)
            self.table(section).show(rows)
            heading = HEADINGS[section] if rows else f"{HEADINGS[section].split(':')[0]}: none"
            self.query_one(f"#heading-{section}", Label).update(f"{heading} ({len(rows)})" if rows else heading)
        self.show_title()
        focused = self.focused
        if not isinstance(focused, BoardTable) or not focused.display:
            first = next((self.table(s) for s in SECTIONS if self.table(s).display), None)
            if first is not None:
                first.focus()
        self.refresh_bindings()

    def show_title(self) -> None:
        board = self.board
        counts = "loading…" if board is None else (
            f"{len(board.appointments)} offered · {len(board.unclaimed)} unclaimed · {len(board.active)} active")
        link = "" if self.online else " · offline, reconnecting: as the hub said last"
        self.query_one("#board-title", Static).update(f"Desk board · {counts}{link}")

    def say(self, text: str) -> None:
        self.query_one("#board-status", Label).update(text)

    @on(Resize)
    def resized(self) -> None:
        if self.board is not None:
            self.call_after_refresh(self.show, self.board)

    # ------------------------------------------------------------ r, h: the unclaimed ones

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("reopen", "assign"):
            return bool(self.board and self.board.unclaimed)
        return True

    def unclaimed_id(self) -> str | None:
        """The unclaimed appointment the keys act on: the highlighted one of its table (which
        takes the focus, so it shows which)."""
        table = self.table("unclaimed")
        if not table.row_count:
            return None
        if self.focused is not table:
            table.focus()
        return table.selected_id

    @work(group="desk-act", exit_on_error=False)
    async def action_reopen(self) -> None:
        if (referral_id := self.unclaimed_id()) is None:
            return
        try:
            await services(self).session.desk_reopen(referral_id)
        except HubError as exc:
            self.refused(f"Reopen {referral_id}", exc)
            return
        self.notify(f"{referral_id} is open to every eligible agent again: first claim wins",
                    title="Reopened")
        self.fetch()

    @work(group="desk-act", exit_on_error=False)
    async def action_assign(self) -> None:
        if (referral_id := self.unclaimed_id()) is None or self.board is None:
            return
        row = next((r for r in self.board.unclaimed if r.id == referral_id), None)
        session = services(self).session
        try:
            people = await session.team_people()
        except HubError as exc:
            self.refused("The team list", exc)
            return
        choices = agent_choices(people, row.zip if row else "")
        if not choices:
            self.notify("There is no agent on the team to hand it to.", severity="warning")
            return
        agent_id = await self.app.push_screen_wait(
            ChoiceModal(f"Hand {referral_id} to which agent?", choices))
        if agent_id is None:
            return
        name = next(p.name for p in people if p.id == agent_id)
        sure = await self.app.push_screen_wait(ChoiceModal(
            f"Hand {referral_id} to {name}?", [("yes", f"Hand it to {name}"), ("no", "Cancel")],
            "they get the client's contact at once · escape: cancel"))
        if sure != "yes":
            return
        try:
            await session.desk_assign(referral_id, agent_id)
        except HubError as exc:
            self.refused(f"Hand {referral_id} to {name}", exc)
            return
        self.notify(f"Handed {referral_id} to {name}", title="Assigned")
        self.fetch()

    def refused(self, what: str, exc: HubError) -> None:
        text = "the hub is not reachable now; try again once connected" if exc.code == ErrorCode.OFFLINE \
            else exc.message
        self.say(f"{what}: {text}")
        self.notify(text, title=f"{what}: refused", severity="error")

    def action_close(self) -> None:
        self.dismiss()
