"""The desk board against a real hub: the concierge sees who holds each appointment and the time
left counting down, the board moves when an agent passes (on another connection, while the app
watches), and an unclaimed appointment is reopened or handed to an agent, who sees it arrive."""

from __future__ import annotations

from datetime import timezone

from textual.widgets import OptionList

from tests.tui.conftest import Link, LiveHub, Posted, wait_for
from tests.wire import Wire, upsert_of
from tui.app import TriageApp, make_app
from tui.desk.board_screen import DeskBoardScreen
from tui.desk.board_table import BoardTable
from tui.screens.choice_modal import ChoiceModal
from tui.screens.keys_screen import KeysScreen

APPOINTMENT = dict(
    kind="appointment", first_name="Ann", last_name="Lee", zip="78701", city="Austin",
    lead_type="home valuation", email="ann.lee@example.com", phone="+1 512 555 0100",
)


async def team(live_hub: LiveHub) -> dict[str, tuple[str, str]]:
    return {
        "desk": await live_hub.person("Dee Desk", ["concierge"]),
        "ann": await live_hub.person("Ann Able", ["agent"], ["78701"], rank_score=90),
        "bo": await live_hub.person("Bo Baker", ["agent"], ["78701"], rank_score=70),
    }


def desk_app(live_hub: LiveHub, token: str) -> TriageApp:
    return make_app(live_hub.url, token, tz=timezone.utc, watch_terminal=False)


async def open_board(pilot, app: TriageApp) -> DeskBoardScreen:
    await wait_for(pilot, lambda: app.loaded and app.inbox.line.state == "connected")
    await wait_for(pilot, lambda: "desk_board" in {b.action for b in _footer(app.screen)})
    await pilot.press("b")
    screen = await wait_for(pilot, lambda: isinstance(app.screen, DeskBoardScreen) and app.screen)
    await wait_for(pilot, lambda: screen.board is not None)
    return screen


def cell(screen: DeskBoardScreen, section: str, ref: str, column: str) -> str:
    return screen.query_one(f"#board-{section}", BoardTable).get_cell(ref, column).plain


async def test_the_board_shows_the_holder_and_a_countdown_and_moves_when_an_agent_passes(
    live_hub: LiveHub,
) -> None:
    people = await team(live_hub)
    ref = await live_hub.submit(people["desk"][0], **APPOINTMENT)
    ann = await Wire.open(live_hub.url, people["ann"][1], label="ann")
    app = desk_app(live_hub, people["desk"][1])
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            board = await open_board(pilot, app)
            assert cell(board, "appointments", ref, "holder") == "Ann Able"
            assert cell(board, "appointments", ref, "next") == "Bo Baker"
            assert cell(board, "appointments", ref, "passes") == "0"
            first = cell(board, "appointments", ref, "left")
            assert first.startswith(("29:", "30:00"))
            await wait_for(pilot, lambda: cell(board, "appointments", ref, "left") != first, timeout=4)

            await ann.ok("pass", id=ref, reason="booked")  # while the app watches
            await wait_for(pilot, lambda: cell(board, "appointments", ref, "holder") == "Bo Baker")
            assert cell(board, "appointments", ref, "passes") == "1"
            table = board.query_one("#board-appointments", BoardTable)
            assert table.selected_id == ref
    finally:
        await ann.close()


async def test_the_cursor_stays_on_its_referral_when_the_board_reorders(live_hub: LiveHub) -> None:
    people = await team(live_hub)
    first = await live_hub.submit(people["desk"][0], **APPOINTMENT)
    second = await live_hub.submit(people["desk"][0], **{**APPOINTMENT, "first_name": "Cy"})
    ann = await Wire.open(live_hub.url, people["ann"][1], label="ann")
    app = desk_app(live_hub, people["desk"][1])
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            board = await open_board(pilot, app)
            table = board.query_one("#board-appointments", BoardTable)
            assert [row.id for row in board.board.appointments] == [first, second]  # soonest first
            assert table.selected_id == first and table.cursor_row == 0
            await ann.ok("pass", id=first)  # to Bo, with a new clock: now last
            await wait_for(pilot, lambda: [r.id for r in board.board.appointments] == [second, first])
            assert table.selected_id == first and table.cursor_row == 1
            assert cell(board, "appointments", first, "holder") == "Bo Baker"
    finally:
        await ann.close()


async def test_the_board_catches_up_after_the_connection_comes_back(live_hub: LiveHub, hub_link: Link) -> None:
    people = await team(live_hub)
    ref = await live_hub.submit(people["desk"][0], **APPOINTMENT)
    app = make_app(hub_link.url, people["desk"][1], tz=timezone.utc, watch_terminal=False)
    async with app.run_test(size=(80, 24)) as pilot:
        board = await open_board(pilot, app)
        assert cell(board, "appointments", ref, "holder") == "Ann Able"
        hub_link.drop()  # the network drops
        await wait_for(pilot, lambda: app.inbox.line.state != "connected")
        assert "offline" in str(board.query_one("#board-title").render())
        ann = await Wire.open(live_hub.url, people["ann"][1], label="ann")  # on its own link
        await ann.ok("pass", id=ref)
        await ann.close()
        await wait_for(pilot, lambda: cell(board, "appointments", ref, "holder") == "Bo Baker", timeout=10)
        assert app.inbox.line.state == "connected"
        assert "offline" not in str(board.query_one("#board-title").render())


async def unclaimed(live_hub: LiveHub, people: dict[str, tuple[str, str]]) -> str:
    ref = await live_hub.submit(people["desk"][0], **APPOINTMENT)
    for key in ("ann", "bo"):
        wire = await Wire.open(live_hub.url, people[key][1], label=key)
        await wire.ok("pass", id=ref)
        await wire.close()
    return ref


async def test_r_reopens_an_unclaimed_appointment_and_the_agent_is_offered_it(live_hub: LiveHub) -> None:
    people = await team(live_hub)
    ref = await unclaimed(live_hub, people)
    bo = await Wire.open(live_hub.url, people["bo"][1], label="bo")
    app = desk_app(live_hub, people["desk"][1])
    posted = Posted()
    try:
        async with app.run_test(size=(80, 24), message_hook=posted) as pilot:
            board = await open_board(pilot, app)
            assert [row.id for row in board.board.unclaimed] == [ref]
            assert "r Reopen" in " ".join(f"{b.key} {b.description}" for b in _footer(board))
            await pilot.press("r")
            offered = await bo.event_where(
                lambda e: upsert_of(ref)(e) and "claim" in e["data"].get("actions", []))
            assert offered["data"]["offer"]["phase"] == "open"
            await wait_for(pilot, lambda: not board.board.unclaimed and board.board.appointments)
            assert cell(board, "appointments", ref, "holder") == "open to 2 agents"
            assert posted.toasted(lambda n: n.title == "Reopened" and ref in n.message)
            await pilot.press("question_mark")  # the keys screen lists the board's keys
            keys = await wait_for(pilot, lambda: isinstance(app.screen, KeysScreen) and app.screen)
            assert "Desk board: r reopen the unclaimed appointment" in keys.shown_text
            assert "Desk board: h hand the unclaimed appointment to an agent" in keys.shown_text
    finally:
        await bo.close()


async def test_h_hands_an_unclaimed_appointment_to_a_chosen_agent_after_asking(live_hub: LiveHub) -> None:
    people = await team(live_hub)
    ref = await unclaimed(live_hub, people)
    bo = await Wire.open(live_hub.url, people["bo"][1], label="bo")
    app = desk_app(live_hub, people["desk"][1])
    try:
        async with app.run_test(size=(160, 48)) as pilot:
            board = await open_board(pilot, app)
            await pilot.press("h")
            chooser = await wait_for(pilot, lambda: isinstance(app.screen, ChoiceModal) and app.screen)
            options = chooser.query_one(OptionList)
            labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
            assert labels[0].startswith("Ann Able · rank 90") and labels[1].startswith("Bo Baker")
            await pilot.press("down", "enter")  # Bo
            confirm = await wait_for(pilot, lambda: isinstance(app.screen, ChoiceModal)
                                     and app.screen is not chooser and app.screen)
            assert "Hand" in confirm.title_text and "Bo Baker" in confirm.title_text
            await pilot.press("enter")  # "Hand it to Bo Baker"
            arrived = await bo.event_where(lambda e: upsert_of(ref)(e) and e["data"]["status"] == "awarded")
            assert arrived["data"]["email"] == "ann.lee@example.com"
            await wait_for(pilot, lambda: not board.board.unclaimed)
            assert not board.query_one("#board-unclaimed", BoardTable).display
    finally:
        await bo.close()


async def test_a_non_concierge_has_no_desk_keys(live_hub: LiveHub) -> None:
    people = await team(live_hub)
    app = desk_app(live_hub, people["ann"][1])
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.loaded and app.inbox.line.state == "connected")
        keys = {binding.action for binding in _footer(app.screen)}
        assert "desk_board" not in keys and "desk_team" not in keys
        await pilot.press("b")
        await pilot.pause()
        assert not isinstance(app.screen, DeskBoardScreen)
        await pilot.press("question_mark")
        keys = await wait_for(pilot, lambda: isinstance(app.screen, KeysScreen) and app.screen)
        assert "desk board" not in keys.shown_text and "team (concierge)" not in keys.shown_text


def _footer(screen) -> list:
    """The bindings the footer shows now."""
    return [binding for (_, binding, enabled, _) in screen.active_bindings.values()
            if enabled and binding.show]


def test_the_desk_keys_have_ids_and_descriptions() -> None:
    from tui.desk.board_table import BoardTable
    from tui.desk.team_screen import TeamScreen

    ids = {binding.id for binding in TriageApp.BINDINGS}
    assert {"desk.board", "desk.team"} <= ids
    for owner in (DeskBoardScreen, TeamScreen, BoardTable):
        for binding in owner.BINDINGS:
            assert binding.id and binding.description, binding


async def test_the_desk_is_in_the_command_palette_for_the_concierge(live_hub: LiveHub) -> None:
    people = await team(live_hub)
    app = desk_app(live_hub, people["desk"][1])
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.loaded and app.inbox.line.state == "connected")
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert {"Desk board", "Team"} <= titles
        await pilot.press("question_mark")
        keys = await wait_for(pilot, lambda: isinstance(app.screen, KeysScreen) and app.screen)
        assert "Everywhere: b desk board (concierge)" in keys.shown_text
