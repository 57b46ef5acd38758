"""TriageApp: the live referral inbox. `make_app()` builds it (with its `HubSession`, the app's
one door to the hub) for `tui.launch`, the demo, the benchmark and the tests."""

from __future__ import annotations

import asyncio
import gc
import logging
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
from tui import notify
from tui.alerts import Alerts
from tui.clock import Clock, utc_now
from tui.concerns import concern
from tui.desk.board_screen import DeskBoardScreen
from tui.desk.team_screen import TeamScreen
from tui.drafts import DraftStore
from tui.hub.messages import (
    HelloReceived,
    HubMessage,
    InboxLoaded,
    LinkChanged,
    MessageReceived,
    Reconnected,
    ReferralRemoved,
    ReferralUpserted,
    TeamUpdated,
)
from tui.hub.session import HubSession
from tui.inbox.screen import InboxScreen
from tui.key_order import OrderedKeys
from tui.keys import check_keymap, help_rows, key_hint, place_of
from tui.palette import triage_commands
from tui.screens.choice_modal import ChoiceModal
from tui.screens.dry_run_screen import DryRunScreen
from tui.screens.keys_screen import KeysScreen
from tui.screens.outbound_form import OutboundForm
from tui.screens.reports_screen import ReportsScreen
from tui.screens.settings_screen import SettingsScreen
from tui.screens.thread_screen import ThreadScreen
from tui.terminal_watch import EXIT_CODE, TerminalWatch
from tui.unsent import STAY, LeaveModal, Unsent

log = logging.getLogger(__name__)


class TriageApp(OrderedKeys, App[None]):  # OrderedKeys: each key to the widget focused then
    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "triage"

    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark,f1", "toggle_help", "Help", id="app.help"),  # f1: inside a field too
        Binding("comma,ctrl+o", "settings", "Settings", show=False, id="app.settings"),
        Binding("R", "reports", "Reports", show=False, id="app.reports"),
        Binding("D", "dry_run", "Dry run", show=False, id="app.dry_run"),
        Binding("ctrl+l", "reconnect", "Reconnect now", id="app.reconnect"),
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
        undo_seconds: float = 5.0,
        drafts: DraftStore | None = None,
    ) -> None:
        super().__init__()
        self.drafts = drafts  # where an unsent new referral is kept as it is typed (tui/drafts.py)
        if theme:
            self.theme = theme
        self.alerts = Alerts(self, desktop=desktop_notifications, bell=bell)
        self.session = session  # the one door to the hub: screens ask it through `services()`
        self.tz = tz  # None: the local time zone
        self.auto_connect = connect
        self.undo_seconds = undo_seconds  # `r` pass and `A` archive wait this long for `u`
        self.watch_terminal = watch_terminal
        self.loaded = False  # arrivals are announced only after the first snapshot
        self._told_refused = False  # the refused token's toast was shown (once until connected)
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
        yield from triage_commands(self, screen)

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
        self.offer_kept_referral()
        if self.alerts.desktop and notify.multiplexer() == "tmux":
            self.check_passthrough()

    def tick(self) -> None:
        if not self.screen_stack:
            return  # closing: the countdown's last tick came after the screens were taken down
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

    def action_reconnect(self) -> None:
        if self.session.reconnect_now():
            self.notify("Trying the hub again now.", title="Reconnecting")

    # ------------------------------------------------------------ the desk (concierge)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The desk's keys exist for the concierge only, from the inbox."""
        if action == "reconnect":  # in the footer only while offline
            return self.session.state in ("reconnecting", "refused")
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
        self.inbox.show_link(message.state, message.detail, message.retry_at, message.hub,
                             message.trouble)
        self.refresh_bindings()  # the reconnect key shows while offline
        if message.state == "connected":
            self._told_refused = False
        elif message.state == "refused" and not self._told_refused:  # once, not at each retry
            self._told_refused = True
            self.notify(message.detail or "The hub refused the token.", title="Token refused",
                        severity="error", timeout=30)

    @on(Reconnected)
    def reconnected(self, message: Reconnected) -> None:
        """Back after a drop: every open screen fetches again what it shows from the hub."""
        for screen in self.screen_stack:
            screen.post_message(Reconnected(message.hub))

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
        view, me = message.referral, self.session.person_id
        old = self.inbox.referrals.get(view.id)
        ours = view.id in self.inbox.acting  # a change of our own op in flight: never announced
        if self.inbox.apply_upsert(view, message.seq) and self.loaded:
            if view.sender is not None and view.sender.id == me:
                return  # our own send (or draft): no arrival to announce
            left = fmt.time_left(fmt.deadline_of(view), self.hub_now())
            what = " · ".join(p for p in (fmt.intent(view), fmt.area(view), left and f"{left} to claim") if p)
            self.alerts.alert(what or view.id, title=f"New {view.kind} referral {view.id}")
        elif self.loaded and not ours and (told := concern(old, view, me)) is not None:
            self.alerts.alert(told[1], title=told[0])

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
        self.alerts.alert(data.body[:80], title=f"{data.author.name} on {data.referral_id}")

    @work(thread=True, exit_on_error=False, group="passthrough")
    def check_passthrough(self) -> None:
        """Inside tmux, say once if its allow-passthrough option keeps desktop alerts in."""
        problem = notify.passthrough_problem()
        if problem:
            self.call_from_thread(self.notify, problem, title="Desktop alerts", severity="warning",
                                  timeout=20)

    # ------------------------------------------------------------ unsent input (tui/unsent.py)

    def offer_kept_referral(self) -> None:
        """A new referral kept from before (a crash, a dropped ssh session): resume or discard."""
        saved = self.drafts.load() if self.drafts is not None else None
        if saved is None:
            return
        when = fmt.stamp(saved.saved_at, self.tz)
        who = " ".join(str(saved.form.get(f) or "").strip() for f in ("first_name", "last_name")).strip()
        title = f"You have an unsent referral{f' for {who}' if who else ''} from {when}"

        def answered(choice: str | None) -> None:
            if choice == "resume":
                self.push_screen(OutboundForm())  # the form resumes what is kept
            elif choice == "discard" and self.drafts is not None:
                self.drafts.clear()
                self.notify("Discarded the unsent referral.", title="Outbound referral")

        self.push_screen(ChoiceModal(title, [("resume", "Resume it"), ("discard", "Discard it")],
                                     hint="enter: choose · escape: later (n resumes it)"), answered)

    async def action_quit(self) -> None:
        """q and ctrl+q: quit, asking first about anything typed and not sent on any screen."""
        if any(self._unsent(screen) for screen in self.screen_stack):
            self._quit_asking()
        else:
            self.exit()

    @staticmethod
    def _unsent(screen: Screen[Any]) -> Unsent | None:
        ask = getattr(screen, "unsent_input", None)
        return ask(quitting=True) if callable(ask) else None

    @work(exclusive=True, group="quit", exit_on_error=False)
    async def _quit_asking(self) -> None:
        for screen in reversed(self.screen_stack):
            unsent = self._unsent(screen)
            if unsent is None:
                continue
            choice = await self.push_screen_wait(LeaveModal(unsent, quitting=True))
            if choice == STAY or not await screen.resolve_unsent(choice):  # type: ignore[attr-defined]
                return  # stay, or it could not be done (the screen says why): no quitting
        self.exit()

    # ------------------------------------------------------------ terminal gone

    def _watch_terminal(self) -> None:
        """End when the terminal goes away (tmux killed, ssh dropped), even with the event loop
        stuck: tui/terminal_watch.py."""
        loop = asyncio.get_running_loop()

        def lost() -> None:
            for screen in self.screen_stack:  # what was typed in a new referral, on disk now
                keep = getattr(screen, "persist", None)
                if callable(keep):
                    loop.call_soon_threadsafe(keep)
            loop.call_soon_threadsafe(lambda: self.exit(return_code=EXIT_CODE))

        self.terminal_watch = TerminalWatch(lost)
        self.terminal_watch.start()


def make_app(hub_url: str | Sequence[str] = "", token: str = "", clock: Clock | None = None, *,
             session: HubSession | None = None, **options: Any) -> TriageApp:
    """The one place that builds the app: used by `tui.launch` (`triage`, `python -m tui`), the
    demo, the benchmark and the tests. The session is made from the hub's URL (or the URLs of
    hubs that share one database, tried in turn), the token and the local clock, unless one is
    given (tests give one that answers without a hub)."""
    return TriageApp(session or HubSession(hub_url, token, clock or utc_now), **options)
