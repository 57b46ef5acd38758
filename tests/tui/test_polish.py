"""Polish: the detail pane in the product's words (what you may do, with the key bound to it) and
on the inbox's clock; a clickable view bar; an empty inbox that says what to do; toasts that
leave the thread's input free; choice lists that move with the vim keys."""

from __future__ import annotations

import re
from datetime import timedelta, timezone

from tests.tui.conftest import visible_text
from tests.tui.sample import NOW, sent_referral
from tests.tui.test_snapshots import fixed_app, load
from tui.app import make_app
from tui.hub.messages import InboxLoaded


async def open_row(pilot, referral_id: str) -> None:
    table = pilot.app.inbox.table
    table.move_cursor(row=table.get_row_index(referral_id))
    await pilot.press("enter")
    await pilot.pause()


async def test_the_detail_says_what_you_may_do_and_with_which_key() -> None:
    app = fixed_app(keymap={"triage.accept": "c"})
    async with app.run_test(size=(160, 48)) as pilot:
        await load(pilot)
        await open_row(pilot, "RAGENT4")  # a masked agent referral: interest or decline
        text = app.inbox.detail.as_text()
        assert "express interest (c) · decline (r)" in text
        assert "interest, decline" not in text
        app.inbox.apply_upsert(sent_referral())  # ours: add receivers, pick, messages
        await open_row(pilot, "RSENT07")
        text = app.inbox.detail.as_text()
        assert "add receivers (g) · pick the receiver (p) · messages (m)" in text
        assert "add_receivers" not in text


class Drifting:
    """A clock that moves on 0.35 s each time it is read, as real time does between draws."""

    def __init__(self) -> None:
        self.now = NOW + timedelta(seconds=0.9)

    def __call__(self):
        self.now += timedelta(seconds=0.35)
        return self.now


async def test_the_detail_and_the_row_show_the_same_time_left() -> None:
    app = make_app("ws://hub.test:8765", "token", clock=Drifting(), tz=timezone.utc, connect=False,
                   watch_terminal=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await load(pilot)
        await open_row(pilot, "RAPPT03")  # 0:42 left
        for _ in range(6):
            app.inbox.tick()
            await pilot.pause()
            row = next(line for line in visible_text(app.inbox.table).splitlines() if "Round Rock" in line)
            in_row = row.split()[0]
            in_detail = re.search(r"time left\s+(\S+)", app.inbox.detail.as_text()).group(1)
            assert in_row == in_detail, (in_row, in_detail)


async def test_clicking_a_view_in_the_bar_switches_to_it() -> None:
    app = fixed_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await load(pilot)
        line = visible_text(app.inbox.bar)
        for name in ("inbound", "outbound", "archived", "all"):
            x = line.index(f" {name.capitalize()} ")  # where the word is on the bar
            await pilot.click("#view-bar", offset=(1 + x + 2, 0))  # 1: the bar's padding
            await pilot.pause()
            assert app.inbox.table.view_name == name


async def test_an_empty_inbox_says_what_to_do() -> None:
    from shared.protocol import InboxResult

    app = fixed_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.inbox.table
        assert "Loading the inbox" in visible_text(table)
        app.session.receive(InboxLoaded(InboxResult(referrals=[], total=0, seq=1, server_time=NOW)))
        await pilot.pause()
        text = " ".join(visible_text(table).split())
        assert "No referrals yet" in text and "n sends a new referral" in text and "? or f1 lists every key" in text
    app = fixed_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await load(pilot)
        await pilot.press("3")  # outbound: none in the sample
        await pilot.pause()
        text = " ".join(visible_text(app.inbox.table).split())
        assert "No outbound referrals. 1 shows all of them" in text
        await pilot.press("1", "slash", *"zzz")
        await pilot.pause()
        text = " ".join(visible_text(app.inbox.table).split())
        assert "Nothing in all matches the filter: / changes it, escape in it clears it." in text


async def test_toasts_leave_the_threads_input_line_free() -> None:
    from tests.tui.sample import referrals
    from tui.screens.thread_screen import ThreadScreen

    app = fixed_app({"thread.get": {"referral_id": "RAWARD6", "messages": []}})
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await load(pilot)
        view = next(v for v in referrals() if v.id == "RAWARD6")
        await app.push_screen(ThreadScreen(view))
        await pilot.pause()
        app.notify("Ben Ortiz on RAPPT02: can you take this one? I am out until Monday.", title="Message")
        app.notify("RAPPT01: claimed by Lee Park at 10:04:05", title="Left your inbox")
        await pilot.pause(0.3)
        box = app.screen.query_one("#thread-input").region
        toasts = [toast.region for toast in app.screen.query("Toast")]

        assert toasts and not any(region.overlaps(box) for region in toasts), (box, toasts)


async def test_the_choice_lists_move_with_j_k_g_G_and_half_pages() -> None:
    from textual.widgets import OptionList

    from tui.screens.choice_modal import ChoiceModal

    app = fixed_app()
    chosen = []
    async with app.run_test(size=(80, 24)) as pilot:
        await load(pilot)
        choices = [(f"c{n}", f"choice {n}") for n in range(30)]
        await app.push_screen(ChoiceModal("Pick one", choices), chosen.append)
        await pilot.pause()
        options = app.screen.query_one(OptionList)
        await pilot.press("j", "j", "k")
        assert options.highlighted == 1
        await pilot.press("G")
        assert options.highlighted == 29
        await pilot.press("g", "ctrl+d")
        assert options.highlighted > 3
        await pilot.press("ctrl+u")
        assert options.highlighted == 0
        await pilot.press("j", "enter")
        await pilot.pause()
        assert chosen == ["c1"]
