"""The inbox's commands beyond accept and reject: status moves, thread, outbound, pick, sign,
archive, filter and views, agent search. A mixin of InboxScreen, one action per key."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import work

from shared.domain import DEFAULT_FEE_PERCENT
from tui import format as fmt
from tui.filters import VIEWS, InboxFilter, ViewName
from tui.inbox.filter_input import FilterInput
from tui.screens.agent_search_screen import AgentSearchScreen
from tui.screens.choice_modal import ChoiceModal
from tui.screens.fee_modal import FeeModal
from tui.screens.outbound_form import OutboundForm
from tui.screens.reason_modal import ReasonModal
from tui.screens.thread_screen import ThreadScreen

if TYPE_CHECKING:
    from shared.protocol import ReferralView
    from tui.inbox.connection_line import ConnectionLine
    from tui.inbox.table import InboxTable
    from tui.inbox.view_bar import ViewBar


def status_label(status: str) -> str:
    return str(status).replace("_", " ")


class InboxCommands:
    """Needs from the screen: app, current(), run_op(), table, notify(), query_one()."""

    table: InboxTable
    bar: ViewBar
    line: ConnectionLine

    if TYPE_CHECKING:
        def current(self) -> ReferralView | None: ...
        def ask_first_window(self) -> None: ...
        def run_op(self, referral_id: str, op: str, args: dict[str, Any], done: str = "") -> Any: ...
        def notify(self, message: str, **kwargs: Any) -> None: ...
        def query_one(self, selector: Any, expect_type: Any = None) -> Any: ...

    # ------------------------------------------------------------ s: status

    @work(group="triage", exit_on_error=False)
    async def action_status(self) -> None:
        view = self.current()
        if view is None:
            return
        if not view.moves:
            self.notify(f"No status moves are allowed now: {view.id} is {status_label(view.status)}.",
                        severity="warning")
            return
        choices = [(str(m), status_label(m)) for m in view.moves]
        title = f"Move {view.id} ({status_label(view.status)}) to…"
        to = await self.app.push_screen_wait(ChoiceModal(title, choices))
        if to is None:
            return
        required = view.kind == "partner" and to == "rejected"
        reason = await self.app.push_screen_wait(
            ReasonModal(f"{view.id}: {status_label(view.status)} → {status_label(to)}", required=required))
        if reason is None:
            return
        self.run_op(view.id, "move", {"to": to, "reason": reason},
                    done=f"Moved {view.id} to {status_label(to)}")

    # ------------------------------------------------------------ m: thread

    def action_thread(self) -> None:
        view = self.current()
        if view is None:
            return
        if "message" not in view.actions:
            self.notify(f"You are not a party to {view.id}'s thread.", severity="warning")
            return
        self.app.push_screen(ThreadScreen(view))

    # ------------------------------------------------------------ n, g: outbound and agents

    def action_new_referral(self) -> None:
        self.app.push_screen(OutboundForm())

    @work(group="triage", exit_on_error=False)
    async def action_agents(self) -> None:
        """Search the directory; the agents chosen there become the receivers of a new referral,
        or join the highlighted referral's receivers when it can take more."""
        cards = await self.app.push_screen_wait(AgentSearchScreen("a referral"))
        if not cards:
            return
        names = ", ".join(card.name for card in cards)
        view = self.current()
        if view is not None and "add_receivers" in view.actions:
            choices = [("add", f"Add them as receivers of {view.id}"),
                       ("new", "Start a new referral to them")]
            choice = await self.app.push_screen_wait(ChoiceModal(f"Refer to {names}", choices))
            if choice is None:
                return
            if choice == "add":
                self.run_op(view.id, "add_receivers", {"receivers": [card.id for card in cards]},
                            done=f"Added {names} to {view.id}")
                return
        self.app.push_screen(OutboundForm(receivers=cards))

    # ------------------------------------------------------------ p, x: pick and sign

    @work(group="triage", exit_on_error=False)
    async def action_pick(self) -> None:
        view = self.current()
        if view is None:
            return
        if "pick" not in view.actions:
            self.notify(f"Nothing to pick on {view.id} ({status_label(view.status)}).", severity="warning")
            return
        interested = [r for r in view.recipients if r.answer == "interested"]
        if not interested:
            self.notify(f"No receiver of {view.id} has expressed interest yet.", severity="warning")
            return
        choices = [(r.person.id, fmt.recipient_label(r)) for r in interested]
        receiver = await self.app.push_screen_wait(ChoiceModal(f"Pick the receiver of {view.id}", choices))
        if receiver is None:
            return
        fee = await self.app.push_screen_wait(
            FeeModal(f"Fee percent for {view.id}", view.fee_percent or DEFAULT_FEE_PERCENT,
                     "usual range 20-35 %"))
        if fee is None:
            return
        name = next(r.person.name for r in interested if r.person.id == receiver)
        self.run_op(view.id, "pick", {"receiver": receiver, "fee_percent": fee},
                    done=f"Picked {name} for {view.id} at {fee:g} %")

    @work(group="triage", exit_on_error=False)
    async def action_sign(self) -> None:
        view = self.current()
        if view is None:
            return
        if "sign" not in view.actions:
            self.notify(f"Nothing to sign on {view.id} ({status_label(view.status)}).", severity="warning")
            return
        fee = await self.app.push_screen_wait(
            FeeModal(f"Sign the agreement for {view.id}", view.fee_percent or DEFAULT_FEE_PERCENT,
                     "confirm the fee percent of the agreement"))
        if fee is None:
            return
        self.run_op(view.id, "sign", {"fee_percent": fee}, done=f"Signed {view.id} at {fee:g} %")

    # ------------------------------------------------------------ A: archive

    def action_archive(self) -> None:
        view = self.current()
        if view is None:
            return
        if "archive" not in view.actions:
            self.notify(f"Nothing to archive on {view.id} ({status_label(view.status)}).", severity="warning")
            return
        self.run_op(view.id, "archive", {}, done=f"Archived {view.id}")

    # ------------------------------------------------------------ /, 1-4: filter and views

    def action_filter(self) -> None:
        box = self.query_one(FilterInput)
        box.display = True
        box.focus()

    def action_view(self, name: str) -> None:
        if name in VIEWS:
            view_name: ViewName = name  # type: ignore[assignment]
            if not self.table.set_filter(view_name=view_name):
                self.ask_first_window()
            self.refresh_bar()

    def apply_filter_text(self, text: str) -> None:
        if not self.table.set_filter(query=InboxFilter.parse(text)):
            self.ask_first_window()
        self.refresh_bar()

    def refresh_bar(self) -> None:
        data = self.table.data
        self.bar.set_state(data.view_name, self.query_one(FilterInput).value, data.total, data.counts)
        self.line.count = len(data.known) if data.whole else data.counts.get("all", 0)
