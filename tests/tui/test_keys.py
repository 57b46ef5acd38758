"""Keys are Bindings with ids: remappable, and in the command palette."""

from __future__ import annotations

from datetime import timezone

from tests.tui.conftest import Posted, wait_for
from tests.tui.sample import NOW
from tests.tui.test_snapshots import load
from tui.app import make_app
from tui.screens.outbound_form import OutboundForm


async def test_keys_can_be_remapped_by_binding_id() -> None:
    app = make_app("ws://hub.test", "t", clock=lambda: NOW, tz=timezone.utc, connect=False,
                   watch_terminal=False, keymap={"triage.accept": "c", "inbox.down": "N"})
    posted = Posted()
    async with app.run_test(size=(80, 24), message_hook=posted) as pilot:
        await load(pilot)
        await pilot.press("N")
        assert app.inbox.table.cursor_row == 1
        await pilot.press("c")  # claim RAPPT02: offline, so the hub cannot be asked
        await wait_for(pilot, lambda: posted.toasted(lambda n: "not connected" in n.message))


def test_every_key_has_an_id_and_a_description() -> None:
    from tui.inbox.screen import InboxScreen
    from tui.screens.outbound_form import OutboundForm
    from tui.screens.thread_screen import ThreadScreen

    for screen in (InboxScreen, OutboundForm, ThreadScreen):
        for binding in screen.BINDINGS:
            assert binding.id and binding.description, binding


async def test_new_keys_are_in_the_command_palette() -> None:
    app = make_app("ws://hub.test", "t", clock=lambda: NOW, tz=timezone.utc, connect=False,
                   watch_terminal=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await load(pilot)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        for title in ("Status", "Messages", "New referral", "Pick receiver", "Sign", "Archive",
                      "Filter", "Agent search", "View: archived"):
            assert title in titles, title
        await pilot.press("n")
        for _ in range(100):  # the form is pushed after the key's handler runs: wait for it
            if isinstance(app.screen, OutboundForm):
                break
            await pilot.pause(0.02)
        assert isinstance(app.screen, OutboundForm)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Send", "Save draft", "Agent search"} <= titles


# ------------------------------------------------------------ a remap never shadows a binding


def test_a_remap_onto_another_bindings_key_is_refused_at_start(tmp_path) -> None:
    import pytest

    from tui.keys import KeymapError
    from tui.launch import LaunchError, build_app

    env = {"TRIAGE_TOKEN": "t"}
    with pytest.raises(LaunchError) as refused:
        build_app(keys="triage.reject=x", environ=env)  # the README's old example: x is Sign
    message = refused.value.message
    assert refused.value.code == 2
    assert "'triage.reject'" in message and "'triage.sign'" in message and "'x'" in message
    config = tmp_path / "config.toml"
    config.write_text('[keys]\n"triage.accept" = "j"\n')  # j moves down the inbox list
    with pytest.raises(LaunchError) as refused:
        build_app(environ={**env, "TRIAGE_CONFIG": str(config)})
    assert "'triage.accept'" in refused.value.message and "'inbox.down'" in refused.value.message
    with pytest.raises(KeymapError, match="unknown binding id 'triage.nope'"):
        make_app("ws://hub.test", "t", connect=False, watch_terminal=False, keymap={"triage.nope": "z"})
    # a swap is fine: each key still reaches one binding
    build_app(keys="triage.reject=x,triage.sign=r", environ=env)
    # the same key in two places that are never live together is fine too
    build_app(keys="settings.save=f2", environ=env)


async def test_the_palette_and_the_keys_screen_name_the_keys_really_bound() -> None:
    from tui.screens.keys_screen import KeysScreen

    app = make_app("ws://hub.test", "t", clock=lambda: NOW, tz=timezone.utc, connect=False,
                   watch_terminal=False, keymap={"triage.status": "S", "triage.sign": "X", "app.help": "f1"})
    async with app.run_test(size=(80, 24)) as pilot:
        await load(pilot)
        helps = {c.title: c.help for c in app.get_system_commands(app.screen)}
        assert helps["Status"].endswith("(S)") and helps["Sign"].endswith("(X)")
        assert helps["Filter"].endswith("(/)") and helps["Settings"].endswith("(, or ^o)")
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, KeysScreen))
        shown = app.screen.shown_text
        assert "Inbox: S status" in shown and "Inbox: X sign" in shown
        assert "Everywhere: f1 keys of this screen" in shown


# ------------------------------------------------------------ the keys screen and the footer


async def test_the_keys_screen_lists_every_key_scrolls_and_searches() -> None:
    from textual.containers import VerticalScroll

    from tui.app import TriageApp
    from tui.inbox.screen import InboxScreen
    from tui.keys import WORDS, bindings, place_of
    from tui.screens.keys_screen import KeysScreen

    app = make_app("ws://hub.test", "t", clock=lambda: NOW, tz=timezone.utc, connect=False,
                   watch_terminal=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await load(pilot)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, KeysScreen))
        screen = app.screen
        shown = screen.shown_text
        place = place_of(InboxScreen)
        for owner in (TriageApp, InboxScreen, *(part.owner for part in place.parts)):
            for binding in bindings(owner):
                if binding.id in ("desk.board", "desk.team"):  # the desk's: not for an agent
                    assert WORDS[binding.id] not in shown, binding.id
                    continue
                assert WORDS[binding.id] in shown, binding.id
        for internal in ("Scroll Left", "Copy selected text", "Focus Next", "scroll_left"):
            assert internal not in shown
        box = screen.query_one("#keys-list", VerticalScroll)
        assert box.max_scroll_y > 0 and box.scroll_y == 0  # longer than 80x24 shows
        await pilot.press("j", "j")
        assert box.scroll_y == 2
        await pilot.press("G")
        assert box.scroll_y == box.max_scroll_y
        await pilot.press("g")
        assert box.scroll_y == 0
        await pilot.press("pagedown")
        assert box.scroll_y > 5
        await pilot.press("k")
        await pilot.press("slash", *"sign")
        await pilot.pause()
        assert screen.shown and all("sign" in f"{r.keys} {r.words}".lower() for r in screen.shown)
        assert "sign the referral agreement" in screen.shown_text
        await pilot.press("escape")  # clears the search, back in the list
        assert len(screen.shown) == len(screen.rows) and box.has_focus
        await pilot.press("question_mark")  # closes
        await wait_for(pilot, lambda: isinstance(app.screen, InboxScreen))
        await pilot.press("question_mark", "escape")
        await wait_for(pilot, lambda: isinstance(app.screen, InboxScreen))
        await pilot.press("n")  # the new-referral form: its first field has the focus
        await wait_for(pilot, lambda: not isinstance(app.screen, InboxScreen))
        await pilot.pause()
        await pilot.press("f1")  # `?` would be typed into the field; f1 opens the keys
        await wait_for(pilot, lambda: isinstance(app.screen, KeysScreen))
        assert "New referral: ctrl+s" in app.screen.shown_text.replace("^s", "ctrl+s")


async def test_the_footer_shows_the_keys_key_first_at_every_width() -> None:
    for width in (40, 60, 80, 120, 200):
        app = make_app("ws://hub.test", "t", clock=lambda: NOW, tz=timezone.utc, connect=False,
                       watch_terminal=False)
        async with app.run_test(size=(width, 24)) as pilot:
            await load(pilot)
            await pilot.pause()
            keys = list(app.screen.query("FooterKey"))
            assert keys and keys[0].key == "question_mark", (width, [k.key for k in keys])
            assert keys[0].region.right <= width and keys[0].region.width > 2


async def test_a_countdown_tick_that_comes_after_the_screens_are_gone_is_ignored() -> None:
    """Quitting while the one-second countdown was due raised from the timer (seen in CI): the
    tick found no inbox on an emptied screen stack and the app exited with a traceback."""
    app = make_app("ws://hub.test", "t", clock=lambda: NOW, tz=timezone.utc, connect=False,
                   watch_terminal=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await load(pilot)
    assert not app.screen_stack  # as the timer's last tick finds it at exit
    app.tick()
