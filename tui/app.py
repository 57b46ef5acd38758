"""TriageApp: the live referral inbox. `make_app()` builds it (with its `HubSession`, the app's
one door to the hub) for `tui.launch`, the demo, the benchmark and the tests."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
import sys
from collections.abc import Iterable, Sequence
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.screen import Screen

from tui import format as fmt
from tui.alerts import Alerts
from tui.clock import Clock, utc_now
from tui.desk.board_screen import DeskBoardScreen
from tui.desk.team_screen import TeamScreen
from tui.hub.messages import (
    HelloReceived,
    HubMessage,
    InboxLoaded,
    LinkChanged,
    MessageReceived,
    ReferralRemoved,
    ReferralUpserted,
    TeamUpdated,
)
from tui.hub.session import HubSession
from tui.inbox.screen import InboxScreen
from tui.keys import check_keymap, help_rows, key_hint, place_of
from tui.screens.dry_run_screen import DryRunScreen
from tui.screens.keys_screen import KeysScreen
from tui.screens.outbound_form import OutboundForm
from tui.screens.reports_screen import ReportsScreen
from tui.screens.settings_screen import SettingsScreen
from tui.screens.thread_screen import ThreadScreen

log = logging.getLogger(__name__)


class TriageApp(App[None]):
    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "triage"

    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark,f1", "toggle_help", "Help", id="app.help"),  # f1: inside a field too
        Binding("comma,ctrl+o", "settings", "Settings", show=False, id="app.settings"),
        Binding("R", "reports", "Reports", show=False, id="app.reports"),
        Binding("D", "dry_run", "Dry run", show=False, id="app.dry_run"),
        Binding("b", "desk_board", "Desk board", id="desk.board"),  # concierge: see check_action
        Binding("t", "desk_team", "Team", id="desk.team"),
    ]

    def __init__(
        self,
        session: HubSession,
        *,
        tz: tzinfo | None = None,
        connect: bool = True,
        watch_terminal: bool = True,
        keymap: dict[str, str] | None = None,
        desktop_notifications: bool = False,
        bell: bool = True,
        theme: str | None = None,
    ) -> None:
        super().__init__()
        if theme:
            self.theme = theme
        self.alerts = Alerts(self, desktop=desktop_notifications, bell=bell)
        self.session = session  # the one door to the hub: screens ask it through `services()`
        self.tz = tz  # None: the local time zone
        self.auto_connect = connect
        self.watch_terminal = watch_terminal
        self.loaded = False  # arrivals are announced only after the first snapshot
        session.attach(self.post_message)
        self.keymap = dict(keymap or {})  # binding id -> keys, e.g. {"triage.accept": "c"}
        check_keymap(type(self), self.keymap)  # KeymapError: a remap would shadow a binding
        if self.keymap:
            self.set_keymap(self.keymap)

    def key(self, binding_id: str) -> str:
        """The key bound to a binding now (after the config's [keys]), as the footer shows it."""
        return key_hint(type(self), binding_id, self.keymap, self.get_key_display)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every triage key is also in the command palette (ctrl+p)."""
        yield from super().get_system_commands(screen)
        key = self.key
        if not isinstance(screen, SettingsScreen):
            yield SystemCommand("Settings", f"Availability and e-mail notifications ({key('app.settings')})",
                                self.action_settings)
        if not isinstance(screen, ReportsScreen):
            yield SystemCommand("Reports", f"Referrals per week, rates, time to claim, fees ({key('app.reports')})",
                                self.action_reports)
        elif screen.concierge:
            yield SystemCommand("Desk or me", f"Switch the report between the whole desk and me ({key('reports.desk')})",
                                screen.action_toggle_desk)
        if "concierge" in self.session.roles and not isinstance(screen, DryRunScreen):
            yield SystemCommand("Routing dry run",
                                f"Who would get an appointment in a zip code now ({key('app.dry_run')})",
                                self.action_dry_run)
        if "concierge" in self.session.roles:
            yield SystemCommand("Desk board", "Every live appointment: who holds it, time left; reopen or "
                                f"hand out the unclaimed ones ({key('desk.board')})", self.action_desk_board)
            yield SystemCommand("Team", f"People, programs, network groups, claim windows ({key('desk.team')})",
                                self.action_desk_team)
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

    def hub_now(self) -> datetime:
        """The hub's time: the local clock corrected by the offset measured at connect."""
        return self.session.hub_now()

    def get_default_screen(self) -> InboxScreen:
        return InboxScreen()

    @property
    def inbox(self) -> InboxScreen:
        screen = self.screen_stack[0]
        assert isinstance(screen, InboxScreen)
        return screen

    def on_mount(self) -> None:
        self.session.attach(self.post_message, self.inbox.snapshot_args)
        self.set_interval(1.0, self.tick, name="countdown")
        if self.auto_connect:
            self.run_hub()
        if self.watch_terminal and sys.__stdin__ is not None and sys.__stdin__.isatty():
            self._watch_terminal()

    def tick(self) -> None:
        try:
            self.inbox.tick()
            if self.loaded:
                self.alerts.check_deadlines(list(self.inbox.referrals.values()), self.hub_now())
        except NoMatches:
            return  # shutting down: the timer outlived the inbox's widgets

    @work(exclusive=True, group="hub", exit_on_error=False)
    async def run_hub(self) -> None:
        await self.session.run()

    def action_settings(self) -> None:
        if not isinstance(self.screen, SettingsScreen):
            self.push_screen(SettingsScreen())

    def action_reports(self) -> None:
        if not isinstance(self.screen, ReportsScreen):
            self.push_screen(ReportsScreen())

    def action_dry_run(self) -> None:
        """The concierge's routing dry run, for the highlighted referral's zip when there is one."""
        if "concierge" not in self.session.roles:
            self.notify("The routing dry run is for the concierge desk.", severity="warning")
            return
        if not isinstance(self.screen, DryRunScreen):
            view = self.inbox.current()
            self.push_screen(DryRunScreen(view.zip if view is not None else ""))

    # ------------------------------------------------------------ the desk (concierge)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The desk's keys exist for the concierge only, from the inbox."""
        if action in ("desk_board", "desk_team"):
            return "concierge" in self.session.roles and isinstance(self.screen, InboxScreen)
        return super().check_action(action, parameters)

    def action_desk_board(self) -> None:
        if "concierge" in self.session.roles and not isinstance(self.screen, DeskBoardScreen):
            self.push_screen(DeskBoardScreen())

    def action_desk_team(self) -> None:
        if "concierge" in self.session.roles and not isinstance(self.screen, TeamScreen):
            self.push_screen(TeamScreen())

    @on(HubMessage)
    def desk_follows_the_hub(self, message: HubMessage) -> None:
        """The desk board asks for itself again on every referral or team event and reconnection,
        the team screen on every team event; the desk's keys show once the hub said who we are."""
        if isinstance(message, HelloReceived):
            self.refresh_bindings()
        for screen in self.screen_stack:
            if isinstance(screen, DeskBoardScreen):
                if isinstance(message, LinkChanged):
                    screen.show_link(message.state)
                elif isinstance(message, (ReferralUpserted, ReferralRemoved, InboxLoaded, TeamUpdated)):
                    screen.hub_changed()  # a team change moves who is next in line too
            elif isinstance(screen, TeamScreen) and isinstance(message, TeamUpdated):
                screen.team_changed(message.change.what)

    def action_toggle_help(self) -> None:
        if isinstance(self.screen, KeysScreen):
            self.screen.dismiss(None)
        else:
            self.action_show_help_panel()

    def action_show_help_panel(self) -> None:
        """The keys screen (also the palette's "Keys"), instead of Textual's own key panel."""
        place = place_of(type(self.screen))
        if place is not None and not isinstance(self.screen, KeysScreen):
            desk = {"desk.board": "desk_board", "desk.team": "desk_team"}
            hidden = {key for key, action in desk.items() if not self.check_action(action, ())}
            rows = help_rows(type(self), type(self.screen), self.keymap, self.get_key_display, hidden)
            self.push_screen(KeysScreen(place.name, rows))

    def action_hide_help_panel(self) -> None:
        if isinstance(self.screen, KeysScreen):
            self.screen.dismiss(None)

    # ------------------------------------------------------------ hub messages

    @on(LinkChanged)
    def link_changed(self, message: LinkChanged) -> None:
        self.inbox.show_link(message.state, message.detail, message.retry_at, message.hub)
        if message.state == "refused":
            self.notify("The hub refused the token.", title="Token refused", severity="error")

    @on(HelloReceived)
    def hello(self, message: HelloReceived) -> None:
        self.sub_title = message.person.name
        self.inbox.set_me(message.person.id)

    @on(InboxLoaded)
    def inbox_loaded(self, message: InboxLoaded) -> None:
        self.inbox.apply_snapshot(message.inbox)
        if not self.loaded:  # what is alive now lives as long as the app: out of the collector's
            self.call_after_refresh(gc.freeze)  # full passes (they stalled keys ~200 ms)
        self.loaded = True

    @on(ReferralUpserted)
    def upserted(self, message: ReferralUpserted) -> None:
        view = message.referral
        if self.inbox.apply_upsert(view, message.seq) and self.loaded:
            left = fmt.time_left(fmt.deadline_of(view), self.hub_now())
            what = " · ".join(p for p in (fmt.intent(view), fmt.area(view), left and f"{left} to claim") if p)
            self.alerts.alert(what or view.id, title=f"New {view.kind} referral {view.id}")

    @on(ReferralRemoved)
    def removed(self, message: ReferralRemoved) -> None:
        data = message.removed
        why = fmt.removal_text(data.reason, data.winner.name if data.winner else None, data.at, self.tz)
        if self.inbox.apply_removed(data.id, why, message.seq):
            self.notify(f"{data.id}: {why}", title="Left your inbox", severity="warning")

    # ------------------------------------------------------------ from the other screens

    @on(ThreadScreen.Read)
    def thread_read(self, message: ThreadScreen.Read) -> None:
        self.inbox.mark_read(message.referral_id)

    @on(OutboundForm.Saved)
    def referral_saved(self, message: OutboundForm.Saved) -> None:
        self.inbox.apply_upsert(message.referral)  # ours: shown at once, never announced

    @on(MessageReceived)
    def message_received(self, message: MessageReceived) -> None:
        """Into the open thread; otherwise an unread marker (and a toast) for others' messages."""
        data = message.message
        thread = next((s for s in self.screen_stack if isinstance(s, ThreadScreen)
                       and s.referral_id == data.referral_id), None)
        if thread is not None:
            thread.add_message(data)
            if data.author.id != self.session.person_id:
                thread.mark_read()
            return
        if data.author.id == self.session.person_id:
            return
        self.inbox.add_unread(data.referral_id)
        self.notify(data.body[:80], title=f"{data.author.name} on {data.referral_id}")

    # ------------------------------------------------------------ terminal gone

    def _watch_terminal(self) -> None:
        """Exit when the terminal goes away (ssh drop): SIGHUP, or stdin no longer a tty."""
        try:
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self.exit)
        except (NotImplementedError, RuntimeError, ValueError) as exc:
            # no SIGHUP here (Windows, or a loop off the main thread): the tty check below still
            # notices the terminal going away, within its 5 s interval
            log.debug("no SIGHUP handler: %s", exc)
        self.set_interval(5.0, self._check_terminal, name="terminal-watch")

    def _check_terminal(self) -> None:
        try:
            gone = not os.isatty(sys.__stdin__.fileno()) or os.getppid() == 1
        except (OSError, ValueError, AttributeError):
            gone = True
        if gone:
            self.exit(return_code=1)


def make_app(hub_url: str | Sequence[str] = "", token: str = "", clock: Clock | None = None, *,
             session: HubSession | None = None, **options: Any) -> TriageApp:
    """The one place that builds the app: used by `tui.launch` (`triage`, `python -m tui`), the
    demo, the benchmark and the tests. The session is made from the hub's URL (or the URLs of
    hubs that share one database, tried in turn), the token and the local clock, unless one is
    given (tests give one that answers without a hub)."""
    return TriageApp(session or HubSession(hub_url, token, clock or utc_now), **options)
