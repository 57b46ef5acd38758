"""The team screen against a real hub: the desk changes a rank; a zip code that does not exist
is refused next to its field, what was typed stays and nothing changes (not even the good rank);
a program is added and edited; leaving with unsaved edits asks; `q` in a field is a letter."""

from __future__ import annotations

from datetime import timezone

import pytest
from textual.widgets import DataTable, Input, OptionList, TabbedContent

from tests.tui.conftest import LiveHub, raw_request, wait_for
from tui.app import TriageApp, make_app
from tui.desk.editor_pane import EditorPane
from tui.desk.team_screen import TeamScreen
from tui.screens.choice_modal import ChoiceModal


def desk_app(live_hub: LiveHub, token: str) -> TriageApp:
    return make_app(live_hub.url, token, tz=timezone.utc, watch_terminal=False)


async def open_team(pilot, app: TriageApp) -> TeamScreen:
    await wait_for(pilot, lambda: app.loaded and app.inbox.line.state == "connected")
    await pilot.press("t")
    screen = await wait_for(pilot, lambda: isinstance(app.screen, TeamScreen) and app.screen)
    await wait_for(pilot, lambda: screen.pane("people").items)
    return screen


async def open_person(pilot, pane: EditorPane, search: str) -> None:
    pane.query_one(".editor-search", Input).focus()
    await pilot.press(*search)
    await wait_for(pilot, lambda: pane.query_one(OptionList).option_count == 1)
    await pilot.press("enter", "enter")  # to the list, then open the one found
    await wait_for(pilot, lambda: pane.form.display and pane.current is not None)


def field(pane: EditorPane, key: str) -> Input:
    return pane.query_one(f"#in-{key}", Input)


async def profile(live_hub: LiveHub, token: str, person_id: str) -> dict:
    frame = await raw_request(live_hub.url, token, "team.people", {})
    return next(p for p in frame["result"]["people"] if p["id"] == person_id)


async def test_the_people_form_changes_a_rank_and_a_bad_zip_is_refused_next_to_its_field(
    live_hub: LiveHub,
) -> None:
    _, desk = await live_hub.person("Dee Desk", ["concierge"])
    rita, _ = await live_hub.person("Rita Alvarez", ["agent"], ["78701"], rank_score=50)
    await live_hub.person("Bo Baker", ["agent"], ["78701"], rank_score=70)
    app = desk_app(live_hub, desk)
    async with app.run_test(size=(120, 36)) as pilot:
        team = await open_team(pilot, app)
        people = team.pane("people")
        await open_person(pilot, people, "rita")
        assert people.current == rita and field(people, "rank").value == "50"

        field(people, "rank").value = "88"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: people.items[rita].rank == 88)
        assert (await profile(live_hub, desk, rita))["rank"] == 88

        field(people, "rank").value = "95"
        field(people, "zips").value = "78701, 00000"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: people.form.error_of("zips"))
        assert "00000" in people.form.error_of("zips") and not people.form.error_of("rank")
        assert people.query_one("#row-zips").has_class("-error")
        assert field(people, "zips").value == "78701, 00000" and field(people, "rank").value == "95"
        stored = await profile(live_hub, desk, rita)
        assert stored["rank"] == 88 and stored["zips"] == ["78701"]  # neither was written

        team.query_one(TabbedContent).active = "changes"  # who changed what, from what to what
        changes = team.query_one("#team-changes").query_one(DataTable)
        await wait_for(pilot, lambda: changes.row_count == 1)
        _, actor, what, subject, change = (str(getattr(c, "plain", c)) for c in changes.get_row_at(0))
        assert (actor, what, subject) == ("Dee Desk", "person", rita) and "rank 50 -> 88" in change


async def test_a_program_is_added_and_edited(live_hub: LiveHub) -> None:
    _, desk = await live_hub.person("Dee Desk", ["concierge"])
    vic, _ = await live_hub.person("Victor Hale", ["vendor"])
    app = desk_app(live_hub, desk)
    async with app.run_test(size=(120, 36)) as pilot:
        team = await open_team(pilot, app)
        team.query_one(TabbedContent).active = "programs"
        programs = team.pane("programs")
        await wait_for(pilot, lambda: programs.query_one(OptionList).option_count == 1)  # "+ add"
        programs.query_one(OptionList).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: programs.form.display)
        field(programs, "name").value = "Lone Star Title"
        field(programs, "vendor").value = vic
        field(programs, "fee_amount").value = "500"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: programs.items)
        (program_id,) = programs.items
        assert programs.items[program_id].vendor_name == "Victor Hale"

        field(programs, "fee_amount").value = "750"
        field(programs, "claim_window_seconds").value = "900"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: programs.items[program_id].fee_amount == 750)
        frame = await raw_request(live_hub.url, desk, "team.programs", {})
        (stored,) = frame["result"]["programs"]
        assert stored["fee_amount"] == 750 and stored["claim_window_seconds"] == 900

        field(programs, "fee_amount").value = "-5"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: programs.form.error_of("fee_amount"))


async def test_leaving_with_unsaved_edits_asks_and_q_is_typed(live_hub: LiveHub) -> None:
    _, desk = await live_hub.person("Dee Desk", ["concierge"])
    rita, _ = await live_hub.person("Rita Alvarez", ["agent"], ["78701"], rank_score=50)
    app = desk_app(live_hub, desk)
    async with app.run_test(size=(120, 36)) as pilot:
        team = await open_team(pilot, app)
        people = team.pane("people")
        await open_person(pilot, people, "rita")
        field(people, "office").focus()
        await pilot.press("end", "q")
        assert app.is_running and field(people, "office").value.endswith("q")
        await pilot.press("escape")
        ask = await wait_for(pilot, lambda: isinstance(app.screen, ChoiceModal) and app.screen)
        assert "Unsaved" in ask.title_text
        await pilot.press("escape")  # stay
        await wait_for(pilot, lambda: app.screen is team)
        assert field(people, "office").value.endswith("q")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceModal))
        await pilot.press("down", "enter")  # discard
        await wait_for(pilot, lambda: not isinstance(app.screen, (TeamScreen, ChoiceModal)))
        assert (await profile(live_hub, desk, rita))["office"] == ""


async def test_up_and_down_move_between_the_fields(live_hub: LiveHub) -> None:
    _, desk = await live_hub.person("Dee Desk", ["concierge"])
    await live_hub.person("Rita Alvarez", ["agent"], ["78701"], rank_score=50)
    app = desk_app(live_hub, desk)
    async with app.run_test(size=(80, 24)) as pilot:
        team = await open_team(pilot, app)
        people = team.pane("people")
        await open_person(pilot, people, "rita")
        assert app.focused is field(people, "name")
        await pilot.press("down", "down")
        assert app.focused is field(people, "zips")
        await pilot.press("up")
        assert app.focused is field(people, "rank")


async def test_a_network_group_is_formed_and_an_area_gets_its_claim_window(live_hub: LiveHub) -> None:
    _, desk = await live_hub.person("Dee Desk", ["concierge"])
    rita, _ = await live_hub.person("Rita Alvarez", ["agent"], ["78701"])
    dana, _ = await live_hub.person("Dana Cole", ["agent"], ["78701"])
    app = desk_app(live_hub, desk)
    async with app.run_test(size=(120, 36)) as pilot:
        team = await open_team(pilot, app)
        team.query_one(TabbedContent).active = "networks"
        networks = team.pane("networks")
        await wait_for(pilot, lambda: networks.query_one(OptionList).option_count == 1)
        networks.query_one(OptionList).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: networks.form.display)
        field(networks, "name").value = "Denver circle"
        field(networks, "owner").value = rita
        await pilot.press("ctrl+s")  # no members: the hub refuses, next to the members field
        await wait_for(pilot, lambda: networks.form.error_of("members"))
        assert not networks.items and field(networks, "name").value == "Denver circle"
        field(networks, "members").value = f"{rita}, {dana}"  # the owner is no member of their own
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "owner" in networks.form.error_of("members"))
        field(networks, "members").value = dana
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: networks.items)
        (group,) = networks.items.values()
        assert group.owner_name == "Rita Alvarez" and group.members == [dana]
        assert not networks.form.error_of("members")

        team.query_one(TabbedContent).active = "windows"
        windows = team.pane("windows")
        await wait_for(pilot, lambda: windows.query_one(OptionList).option_count == 1)
        windows.query_one(OptionList).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: windows.form.display)
        field(windows, "area").value = "787"
        field(windows, "seconds").value = "900"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "787" in windows.items)
        frame = await raw_request(live_hub.url, desk, "team.windows", {})
        assert frame["result"]["windows"] == [{"area": "787", "claim_window_seconds": 900}]


async def test_a_change_made_elsewhere_shows_at_once(live_hub: LiveHub) -> None:
    _, desk = await live_hub.person("Dee Desk", ["concierge"])
    rita, _ = await live_hub.person("Rita Alvarez", ["agent"], ["78701"], rank_score=50)
    app = desk_app(live_hub, desk)
    async with app.run_test(size=(120, 36)) as pilot:
        team = await open_team(pilot, app)
        people = team.pane("people")
        await open_person(pilot, people, "rita")
        frame = await raw_request(live_hub.url, desk, "team.person.set", {"id": rita, "changes": {"rank": 77}})
        assert frame["type"] == "reply"  # another desk session (or the hub host's command line)
        await wait_for(pilot, lambda: field(people, "rank").value == "77")
        options = people.query_one(OptionList)
        assert "rank 77" in str(options.get_option_at_index(0).prompt)


def test_every_team_tab_implements_the_editors_hooks() -> None:
    """`EditorPane`'s hooks are abstract: each tab the team screen shows says how to load,
    label, fill the form and save, and a tab that leaves one out cannot be made at all."""
    import inspect

    from tui.desk.team_screen import TABS

    hooks = {"load", "label", "form_values", "save_item"}
    assert EditorPane.__abstractmethods__ == hooks
    for _, _, pane in TABS:
        assert not inspect.isabstract(pane), (pane.__name__, pane.__abstractmethods__)

    class Forgetful(EditorPane[str]):
        async def load(self) -> list[tuple[str, str]]:
            return []

    with pytest.raises(TypeError, match="abstract"):
        Forgetful()
