"""Nothing typed is lost without a question (tui/unsent.py, tui/drafts.py): escape and quitting
ask (send, save as draft, discard, stay); `q` types q in a text field; an unsent new referral is
kept on disk as it is typed (owner only) and offered again at the next start."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import msgspec
import pytest
from textual.widgets import Input, Switch

from shared.protocol import HubError
from tests.tui.conftest import wait_for
from tests.tui.sample import inbox
from tests.tui.test_snapshots import fixed_app, load
from tui.drafts import DraftStore
from tui.screens.choice_modal import ChoiceModal
from tui.screens.outbound_form import OutboundForm
from tui.screens.settings_screen import SettingsScreen
from tui.unsent import LeaveModal

FORM_FIELDS = ("first_name", "last_name", "zip")


def submitted(calls: list[dict[str, Any]], fail: bool = False):
    def answer(args: dict[str, Any]) -> Any:
        if fail:
            raise HubError("not_connected", "not connected to the hub")
        calls.append(args["referral"])
        view = msgspec.structs.replace(inbox().referrals[0], id="RNEW001",
                                       status="new" if args["referral"]["send"] else "draft")
        return {"referral": view}
    return answer


def app_with(tmp_path: Path, calls: list | None = None, fail: bool = False, **answers: Any):
    store = DraftStore(tmp_path / "state" / "unsent-referral-test.json")
    table: dict[str, Any] = {"submit": submitted(calls if calls is not None else [], fail), **answers}
    return fixed_app(table, drafts=store), store


async def open_form(pilot) -> OutboundForm:
    app = pilot.app
    await pilot.press("n")
    form = await wait_for(pilot, lambda: isinstance(app.screen, OutboundForm) and app.screen)
    await pilot.pause()
    return form


async def type_client(pilot, form: OutboundForm) -> None:
    await pilot.press(*"Zoe", "tab", *"Quinn")
    form.query_one("#f-zip", Input).value = "80202"
    await pilot.pause()


def values(form: OutboundForm) -> list[str]:
    return [form.query_one(f"#f-{f}", Input).value for f in FORM_FIELDS]


async def test_q_types_q_in_a_text_field_and_escape_asks_before_dropping_the_form(tmp_path: Path) -> None:
    app, store = app_with(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await load(pilot)
        form = await open_form(pilot)
        await pilot.press(*"quinn q")
        assert app.is_running and form.query_one("#f-first_name", Input).value == "quinn q"
        await pilot.press("escape")
        modal = await wait_for(pilot, lambda: isinstance(app.screen, LeaveModal) and app.screen)
        assert modal.offered == ["send", "draft", "discard", "stay"]
        await pilot.press("escape")  # stay: back in the form, nothing lost
        await wait_for(pilot, lambda: app.screen is form)
        assert form.query_one("#f-first_name", Input).value == "quinn q"
        await pilot.press("escape", "x")  # discard: the form goes, and so does its file
        await wait_for(pilot, lambda: app.screen is app.inbox)
        await pilot.pause(0.5)
        assert store.load() is None


async def test_an_empty_form_leaves_at_once(tmp_path: Path) -> None:
    app, _ = app_with(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await load(pilot)
        await open_form(pilot)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.inbox)


async def test_escape_then_draft_saves_it_on_the_hub(tmp_path: Path) -> None:
    calls: list[dict[str, Any]] = []
    app, store = app_with(tmp_path, calls)
    async with app.run_test(size=(80, 24)) as pilot:
        await load(pilot)
        form = await open_form(pilot)
        await type_client(pilot, form)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, LeaveModal))
        await pilot.press("d")
        await wait_for(pilot, lambda: app.screen is app.inbox)
        assert [(c["first_name"], c["send"]) for c in calls] == [("Zoe", False)]
        assert store.load() is None


@pytest.mark.parametrize("key", ["q", "ctrl+q"])
async def test_quitting_with_an_unsent_referral_asks(tmp_path: Path, key: str) -> None:
    app, store = app_with(tmp_path, fail=True)  # the hub cannot be reached
    async with app.run_test(size=(80, 24)) as pilot:
        await load(pilot)
        form = await open_form(pilot)
        await type_client(pilot, form)
        form.query_one("#f-intent").focus()  # not a text field: q is the app's
        await pilot.press(key)
        modal = await wait_for(pilot, lambda: isinstance(app.screen, LeaveModal) and app.screen)
        assert modal.quitting and modal.offered == ["send", "draft", "discard", "keep", "stay"]
        await pilot.press("s")  # send: the hub is not reachable, so no quitting
        await wait_for(pilot, lambda: app.screen is form)
        await pilot.pause(0.2)
        assert app.is_running and values(form) == ["Zoe", "Quinn", "80202"]
        await pilot.press(key)
        await wait_for(pilot, lambda: isinstance(app.screen, LeaveModal))
        await pilot.press("k")  # keep it for the next start: quits, the file stays
        await wait_for(pilot, lambda: not app.is_running)
    saved = store.load()
    assert saved is not None and saved.form["first_name"] == "Zoe"


async def test_quit_with_nothing_typed_quits(tmp_path: Path) -> None:
    app, _ = app_with(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await load(pilot)
        form = await open_form(pilot)
        form.query_one("#f-intent").focus()
        await pilot.press("q")
        await wait_for(pilot, lambda: not app.is_running)


async def test_the_form_is_kept_on_disk_owner_only_and_offered_at_the_next_start(tmp_path: Path) -> None:
    app, store = app_with(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await load(pilot)
        form = await open_form(pilot)
        await type_client(pilot, form)
        await wait_for(pilot, lambda: store.path.exists(), timeout=3)  # as it is typed
        await wait_for(pilot, lambda: json.loads(store.path.read_text())["form"]["zip"] == "80202")
        assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
        assert stat.S_IMODE(store.path.parent.stat().st_mode) == 0o700
        assert not [p for p in store.path.parent.iterdir() if p.name.endswith(".tmp")]
    # the app ended without a word (a crash, a dropped ssh session): the next start offers it
    app, store = app_with(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await load(pilot)
        offer = await wait_for(pilot, lambda: isinstance(app.screen, ChoiceModal) and app.screen)
        assert offer.title_text.startswith("You have an unsent referral for Zoe Quinn from ")
        await pilot.press("enter")  # resume
        form = await wait_for(pilot, lambda: isinstance(app.screen, OutboundForm) and app.screen)
        await pilot.pause()
        assert values(form) == ["Zoe", "Quinn", "80202"]
    app, store = app_with(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await load(pilot)
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceModal))
        await pilot.press("down", "enter")  # discard
        await wait_for(pilot, lambda: app.screen is app.inbox)
        assert store.load() is None


async def test_a_sent_referral_leaves_no_file(tmp_path: Path) -> None:
    calls: list[dict[str, Any]] = []
    app, store = app_with(tmp_path, calls)
    async with app.run_test(size=(80, 24)) as pilot:
        await load(pilot)
        form = await open_form(pilot)
        await type_client(pilot, form)
        form.query_one("#f-mode").value = "open"
        await wait_for(pilot, lambda: store.path.exists(), timeout=3)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is app.inbox)
        await wait_for(pilot, lambda: calls and not store.path.exists())  # past the form's own timers
        assert calls[0]["send"]
        await pilot.pause(0.6)  # a late debounced save (0.3 s) would write the file again
        assert not store.path.exists()


async def test_settings_changed_and_not_saved_ask_on_escape(tmp_path: Path) -> None:
    from tests.tui.test_snapshots_settings import AVAILABILITY, NOTIFICATIONS

    app, _ = app_with(tmp_path, **{"availability.get": AVAILABILITY, "notifications.get": NOTIFICATIONS})
    async with app.run_test(size=(80, 24)) as pilot:
        await load(pilot)
        await pilot.press("comma")
        screen = await wait_for(pilot, lambda: isinstance(app.screen, SettingsScreen) and app.screen)
        await wait_for(pilot, lambda: screen.loaded_values is not None)
        await pilot.press("escape")  # nothing changed: closes
        await wait_for(pilot, lambda: app.screen is app.inbox)
        await pilot.press("comma")
        screen = await wait_for(pilot, lambda: isinstance(app.screen, SettingsScreen) and app.screen)
        await wait_for(pilot, lambda: screen.loaded_values is not None)
        screen.query_one("#set-paused", Switch).focus()
        await pilot.press("enter")  # the switch flips
        await pilot.press("q")
        modal = await wait_for(pilot, lambda: isinstance(app.screen, LeaveModal) and app.screen)
        assert modal.offered == ["save", "discard", "stay"]
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, LeaveModal))
        await pilot.press("x")
        await wait_for(pilot, lambda: app.screen is app.inbox)


async def test_a_message_being_written_asks_on_escape(tmp_path: Path) -> None:
    from tui.screens.thread_screen import ThreadScreen

    app, _ = app_with(tmp_path, **{"thread.get": lambda a: {"referral_id": a["id"], "messages": []}})
    async with app.run_test(size=(80, 24)) as pilot:
        await load(pilot)
        app.push_screen(ThreadScreen(inbox().referrals[0]))
        thread = await wait_for(pilot, lambda: isinstance(app.screen, ThreadScreen) and app.screen)
        await pilot.pause()
        await pilot.press(*"quick question")
        await pilot.press("escape")
        modal = await wait_for(pilot, lambda: isinstance(app.screen, LeaveModal) and app.screen)
        assert modal.offered == ["send", "discard", "stay"]
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is thread)
        assert thread.query_one("#thread-input", Input).value == "quick question"
        await pilot.press("escape", "x")
        await wait_for(pilot, lambda: app.screen is app.inbox)


async def test_quitting_from_the_agent_search_with_receivers_chosen_asks(tmp_path: Path) -> None:
    from tests.tui.test_snapshots_panes import AGENTS as CARDS
    from tui.screens.agent_search_screen import AgentSearchScreen
    from tui.widgets.agent_search import AgentSearch

    app, _ = app_with(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await load(pilot)
        app.push_screen(AgentSearchScreen())
        screen = await wait_for(pilot, lambda: isinstance(app.screen, AgentSearchScreen) and app.screen)
        await pilot.pause()
        await pilot.press("q")  # the search field has the focus: a q typed
        assert app.is_running and screen.query_one("#agent-text", Input).value == "q"
        screen.query_one(AgentSearch).chosen = {CARDS[0].id: CARDS[0]}
        await pilot.press("ctrl+q")
        modal = await wait_for(pilot, lambda: isinstance(app.screen, LeaveModal) and app.screen)
        assert modal.offered == ["discard", "stay"] and "Rita Ruiz" in modal.unsent.what
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        await pilot.press("ctrl+q", "x")
        await wait_for(pilot, lambda: not app.is_running)
