"""The command palette's triage commands (ctrl+p): every key of the place the person is on, with
the key really bound to it (after the config's [keys]), and the app-wide ones."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from textual.app import SystemCommand
from textual.screen import Screen

from tui.desk.board_screen import DeskBoardScreen
from tui.inbox.screen import InboxScreen
from tui.screens.dry_run_screen import DryRunScreen
from tui.screens.outbound_form import OutboundForm
from tui.screens.reports_screen import ReportsScreen
from tui.screens.settings_screen import SettingsScreen


def triage_commands(app: Any, screen: Screen) -> Iterator[SystemCommand]:
    """`app` is the TriageApp (not imported: it imports this)."""
    key = app.key
    if not isinstance(screen, SettingsScreen):
        yield SystemCommand("Settings", f"Availability and e-mail notifications ({key('app.settings')})",
                            app.action_settings)
    if not isinstance(screen, ReportsScreen):
        yield SystemCommand("Reports", f"Referrals per week, rates, time to claim, fees ({key('app.reports')})",
                            app.action_reports)
    elif screen.concierge:
        yield SystemCommand("Desk or me", f"Switch the report between the whole desk and me ({key('reports.desk')})",
                            screen.action_toggle_desk)
    if app.session.state in ("reconnecting", "refused"):
        yield SystemCommand("Reconnect now", f"Try the hub again at once ({key('app.reconnect')})",
                            app.action_reconnect)
    if "concierge" in app.session.roles and not isinstance(screen, DryRunScreen):
        yield SystemCommand("Routing dry run",
                            f"Who would get an appointment in a zip code now ({key('app.dry_run')})",
                            app.action_dry_run)
    if "concierge" in app.session.roles:
        yield SystemCommand("Desk board", "Every live appointment: who holds it, time left; reopen or "
                            f"hand out the unclaimed ones ({key('desk.board')})", app.action_desk_board)
        yield SystemCommand("Team", f"People, programs, network groups, claim windows ({key('desk.team')})",
                            app.action_desk_team)
    if isinstance(screen, DeskBoardScreen):
        yield SystemCommand("Reopen", f"Offer the unclaimed appointment to every eligible agent "
                            f"({key('desk.reopen')})", screen.action_reopen)
        yield SystemCommand("Hand to agent", f"Hand the unclaimed appointment to an agent "
                            f"({key('desk.assign')})", screen.action_assign)
    if isinstance(screen, InboxScreen):
        commands = [
            ("Accept", "Claim, express interest or accept the selected referral", "triage.accept",
             screen.action_accept),
            ("Reject or pass", "Pass, decline or reject the selected referral", "triage.reject",
             screen.action_reject),
            ("Open referral", "Show the selected referral's detail", "inbox.open", screen.action_open),
            ("Status", "Move the selected referral to an allowed status", "triage.status", screen.action_status),
            ("Messages", "Open the selected referral's message thread", "triage.thread", screen.action_thread),
            ("New referral", "Create and send an agent referral", "triage.new", screen.action_new_referral),
            ("Pick receiver", "Pick the final receiver among the interested", "triage.pick", screen.action_pick),
            ("Sign", "Sign the referral agreement", "triage.sign", screen.action_sign),
            ("Archive", "Archive the selected referral", "triage.archive", screen.action_archive),
            ("Filter", "Filter the inbox: words, kind:, status:", "inbox.filter", screen.action_filter),
            ("Agent search", "Search the agent directory", "app.agents", screen.action_agents),
            ("Next offer", "Jump to the open offer with the least time left", "triage.next",
             screen.action_next_offer),
            ("Follow queue", "Keep the cursor on the next offer to expire, on or off", "triage.follow",
             screen.action_follow),
            ("Undo", "Take back a pass or an archive within its 5 s window", "triage.undo", screen.action_undo),
            ("Copy contact", "Copy the revealed phone or e-mail", "triage.copy", screen.action_copy),
        ]
        for title, help_text, binding_id, callback in commands:
            yield SystemCommand(title, f"{help_text} ({key(binding_id)})", callback)
        for name in ("all", "inbound", "outbound", "archived"):
            yield SystemCommand(f"View: {name}", f"Show {name} referrals ({key(f'view.{name}')})",
                                lambda name=name: screen.action_view(name))
    elif isinstance(screen, OutboundForm):
        yield SystemCommand("Send", f"Create the referral and send it ({key('form.send')})", screen.action_send)
        yield SystemCommand("Save draft", f"Create the referral as a draft ({key('form.draft')})",
                            screen.action_draft)
        yield SystemCommand("Agent search", f"Add receivers from the agent search ({key('form.agents')})",
                            screen.action_agents)
