"""The keys of the triage loop, for the inbox screen: `space` to the open offer with the least
time left, `f` to follow the head of the queue as offers arrive, the cursor to the next offer
after a claim or a pass, `u` to take back a pass or an archive within its undo window, `y` to
copy the selected referral's revealed phone or e-mail.

A mixin of `InboxScreen` (which holds the table, the undo window and `following`), so the
screen's module keeps to its own job.
"""

from __future__ import annotations

import time
from typing import Any

from textual import work

from shared.protocol import ReferralView
from tui import clipboard
from tui import format as fmt
from tui.inbox.commands import Op
from tui.inbox.connection_line import ConnectionLine
from tui.inbox.table import InboxTable
from tui.inbox.undo import UndoWindow
from tui.screens.choice_modal import ChoiceModal

NEXT_AFTER = {"claim", "pass"}  # after these ops of ours the cursor goes to the next offer
MOVED_GRACE_SECONDS = 3.0  # a key this soon after the row moved from under the cursor was meant
# for the row that left (one pressed later, the person has seen where the cursor is)


class TriageLoop:
    """The triage loop's actions (mixed into `InboxScreen`, which has these)."""

    table: InboxTable
    line: ConnectionLine
    undo: UndoWindow
    following: bool
    detail: Any
    detail_open: bool
    app: Any
    # and `current()`, `notify()`, `refresh_bindings()`: the screen's own

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "undo":  # in the footer only while a pass or an archive can be taken back
            return bool(self.undo.held)
        return True

    def target(self) -> ReferralView | None:
        """The referral a triage key acts on; None, once, when an event just took the one the
        person was on from under the cursor (saying so: the next press acts on the new row)."""
        gone, self.table.moved_under = self.table.moved_under, None
        fresh = time.monotonic() - self.table.moved_at < MOVED_GRACE_SECONDS
        if gone is not None and fresh and not (self.detail_open and self.detail.has_focus_within):
            now = self.table.selected_id
            self.notify(f"{gone} moved away from under the cursor; it is now on {now} — press again "
                        "to act on it" if now else f"{gone} left your inbox", severity="warning")
            return None
        return self.current()

    def action_next_offer(self) -> None:
        row = self.table.data.next_offer(self.table.clock())
        if row is None:
            self.notify("No open offer to claim.", severity="information")
            return
        self.table.move_cursor(row=row)

    def action_follow(self) -> None:
        self.following = not self.following
        self.line.following = self.following
        self.line.refresh_line()
        if self.following:
            self.follow_head()
        self.notify("Following the head of the queue: the cursor stays on the next offer to expire "
                    "(f stops)" if self.following else "Stopped following the queue.")

    def follow_head(self) -> None:
        """In follow mode, the cursor to the open offer with the least time left. A jump moved
        the cursor for the person: the next key within a moment says so before it acts."""
        if self.following:
            row = self.table.data.next_offer(self.table.clock())
            if row is not None and row != self.table.cursor_row:
                before = self.table.selected_id
                self.table.move_cursor(row=row)
                if before is not None and before != self.table.selected_id:
                    self.table.moved_under, self.table.moved_at = before, time.monotonic()

    def to_next_offer(self, after: Op, row: int) -> None:
        """Our claim or pass of the referral on `row` is done (or held): the cursor to the next
        offer, if it is still where the person left it."""
        if self.table.selected_id not in (after.referral_id, None) and self.table.moved_under is None:
            return  # the person moved on meanwhile
        nxt = self.table.data.next_offer(self.table.clock(), row, skip=after.referral_id)
        if nxt is not None:
            self.table.move_cursor(row=nxt)

    def action_undo(self) -> None:
        op = self.undo.undo()
        self.refresh_bindings()
        if op is None:
            self.notify("Nothing to undo.")
            return
        self.notify(f"Kept {op.referral_id}: nothing was sent.", title="Undone")
        row = self.table.data.index_of(op.referral_id)
        if row is not None:
            self.table.move_cursor(row=row)

    @work(group="triage", exit_on_error=False)
    async def action_copy(self) -> None:
        await self.copy_contact()

    async def copy_contact(self) -> None:
        """`y`: the revealed phone or e-mail to the clipboard (a choice when there are several)."""
        view = self.target()
        if view is None:
            return
        choices = clipboard.contact_choices(view)
        if not choices:
            notice = fmt.contact_notice(view)
            self.notify(f"{view.id}: contact not revealed yet ({notice})" if notice
                        else f"{view.id} has no phone or e-mail", severity="warning")
            return
        value = choices[0][0]
        if len(choices) > 1:
            value = await self.app.push_screen_wait(ChoiceModal(f"Copy from {view.id}", choices))
            if value is None:
                return
        clipboard.copy(self.app, value)
        self.notify(f"Copied {value}", title=f"{view.id} contact")
