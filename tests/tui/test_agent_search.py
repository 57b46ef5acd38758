"""The `g` screen and the concierge's dry run (`D`) against a real hub."""

from __future__ import annotations

from textual.widgets import DataTable, Input, Label, SelectionList

from tests.tui.conftest import LiveHub, Posted, raw_request, visible_text, wait_for
from tests.tui.test_live_hub import agent_app, connected
from tui.screens.agent_search_screen import AgentSearchScreen
from tui.screens.choice_modal import ChoiceModal
from tui.screens.dry_run_screen import DryRunScreen
from tui.screens.outbound_form import OutboundForm
from tui.widgets.agent_profile import AgentProfile
from tui.widgets.agent_search import AgentSearch, search_args


def test_search_args_name_the_field_to_fix() -> None:
    assert search_args("lee", "78701", "", "", "", "") == {"text": "lee", "zip": "78701", "radius_miles": 25.0}
    assert search_args("", "", "", "luxury", "Spanish", "10") == {
        "text": "", "zip": "", "radius_miles": 0.0, "specialization": "luxury", "language": "Spanish",
        "min_years": 10}
    for bad, field in ((("", "787", "", "", "", ""), "zip"), (("", "78701", "-3", "", "", ""), "miles"),
                       (("", "78701", "9000", "", "", ""), "miles"), (("", "", "", "", "", "x"), "years"),
                       (("", "", "", "", "", "-1"), "years")):
        try:
            search_args(*bad)
        except ValueError as exc:
            assert str(exc).startswith(field)
        else:
            raise AssertionError(f"{bad} was accepted")


async def _people(live_hub: LiveHub) -> dict[str, str]:
    ids = {}
    ids["ana"], _ = await live_hub.person("Ana Ruiz", ["agent"], ["78701"], brokerage="Casa Realty",
                                          specializations=["luxury"], languages=["Spanish", "English"],
                                          years_experience=12)
    ids["ben"], _ = await live_hub.person("Ben Ortiz", ["agent"], ["78702"], brokerage="Casa Realty",
                                          specializations=["residential"], languages=["Spanish"],
                                          years_experience=3)
    ids["cy"], _ = await live_hub.person("Cy Lund", ["agent"], ["97201"], brokerage="Rose City",
                                         specializations=["luxury"], languages=["English"],
                                         years_experience=20)
    return ids


async def test_filters_narrow_the_results_and_the_profile_follows_the_cursor(live_hub: LiveHub) -> None:
    ids = await _people(live_hub)
    _, token = await live_hub.person("Sam Sender", ["agent"], ["80202"])
    app = agent_app(live_hub, token)
    async with app.run_test(size=(120, 36)) as pilot:
        await connected(pilot, app)
        await pilot.press("g")
        screen = await wait_for(pilot, lambda: isinstance(app.screen, AgentSearchScreen) and app.screen)
        search = screen.query_one(AgentSearch)
        search.query_one("#agent-specialization", Input).value = "luxury"
        search.query_one("#agent-language", Input).value = "Spanish"
        search.query_one("#agent-text", Input).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: set(search.cards) == {ids["ana"]})
        profile = screen.query_one(AgentProfile)
        await wait_for(pilot, lambda: "Ana Ruiz" in visible_text(profile))
        shown = visible_text(profile)
        assert "Focus    luxury" in shown and "Speaks   Spanish, English" in shown
        assert "Years    12" in shown and "Closed   0 referrals" in shown and "Serves   78701" in shown
        assert "available now" in shown
        # minimum years: Ana (12) and Cy (20) are luxury; only Cy has 15 or more
        search.query_one("#agent-language", Input).value = ""
        search.query_one("#agent-years", Input).value = "15"
        search.query_one("#agent-text", Input).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: set(search.cards) == {ids["cy"]})
        # zip and radius: around 78701 the Portland agent is out of reach
        search.query_one("#agent-years", Input).value = ""
        search.query_one("#agent-specialization", Input).value = ""
        search.query_one("#agent-zip", Input).value = "78701"
        search.query_one("#agent-radius", Input).value = "10"
        search.query_one("#agent-text", Input).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: set(search.cards) == {ids["ana"], ids["ben"]})
        results = search.query_one(SelectionList)
        first = results.get_option_at_index(0).value
        assert first == ids["ana"]  # 0 miles before a few miles
        await pilot.press("down")
        await wait_for(pilot, lambda: "Ben Ortiz" in visible_text(profile))
        # bad input is named, nothing is sent
        search.query_one("#agent-radius", Input).value = "-5"
        search.query_one("#agent-text", Input).focus()
        await pilot.press("enter")
        status = search.query_one("#agent-status", Label)
        await wait_for(pilot, lambda: "miles" in str(status.render()))


async def test_agents_chosen_from_g_become_the_receivers_of_a_new_referral(live_hub: LiveHub) -> None:
    ids = await _people(live_hub)
    _, token = await live_hub.person("Sam Sender", ["agent"], ["78701"])
    app = agent_app(live_hub, token)
    async with app.run_test(size=(80, 24)) as pilot:
        await connected(pilot, app)
        await pilot.press("g")
        screen = await wait_for(pilot, lambda: isinstance(app.screen, AgentSearchScreen) and app.screen)
        await pilot.press(*"ana", "enter")
        search = screen.query_one(AgentSearch)
        await wait_for(pilot, lambda: ids["ana"] in search.cards)
        search.query_one(SelectionList).select(ids["ana"])
        await wait_for(pilot, lambda: ids["ana"] in search.chosen)
        await pilot.press("escape")
        form = await wait_for(pilot, lambda: isinstance(app.screen, OutboundForm) and app.screen)
        assert list(form.query_one(AgentSearch).chosen) == [ids["ana"]]
        form.query_one("#f-first_name", Input).value = "Zoe"
        form.query_one("#f-zip", Input).value = "78701"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not isinstance(app.screen, OutboundForm))
        sent = await wait_for(pilot, lambda: next(
            (v for v in app.inbox.table.referrals.values() if v.client_name.startswith("Zoe")), None))
        assert [r.person.id for r in sent.recipients] == [ids["ana"]]


async def test_agents_chosen_from_g_join_a_referral_that_takes_more_receivers(live_hub: LiveHub) -> None:
    ids = await _people(live_hub)
    sam, token = await live_hub.person("Sam Sender", ["agent"], ["78701"])
    ref_id = await live_hub.submit(sam, kind="agent", first_name="Ivy", zip="78701", mode="private",
                                   receivers=[ids["ana"]], send=True)
    app = agent_app(live_hub, token)
    async with app.run_test(size=(120, 36)) as pilot:
        await connected(pilot, app)
        await wait_for(pilot, lambda: app.inbox.table.selected is not None)
        assert app.inbox.table.selected.id == ref_id
        assert "add_receivers" in app.inbox.table.selected.actions
        await pilot.press("g")
        screen = await wait_for(pilot, lambda: isinstance(app.screen, AgentSearchScreen) and app.screen)
        await pilot.press(*"ben", "enter")
        search = screen.query_one(AgentSearch)
        await wait_for(pilot, lambda: ids["ben"] in search.cards)
        search.query_one(SelectionList).select(ids["ben"])
        await pilot.press("escape")
        modal = await wait_for(pilot, lambda: isinstance(app.screen, ChoiceModal) and app.screen)
        assert modal is not None
        await pilot.press("enter")  # the first choice: add them to the highlighted referral
        await wait_for(pilot, lambda: {r.person.id for r in app.inbox.table.referrals[ref_id].recipients}
                       == {ids["ana"], ids["ben"]})


async def test_the_concierge_dry_run_shows_who_would_get_it_and_why_not(live_hub: LiveHub) -> None:
    await _people(live_hub)
    paused, _ = await live_hub.person("Pia Paused", ["agent"], ["78701"])
    async with live_hub.hub.db.write_lock, live_hub.hub.db.write_session() as session:
        from server.storage.models import Person

        (await session.get(Person, paused)).paused = True
    _, desk_token = await live_hub.person("Routing Desk", ["concierge"])
    app = agent_app(live_hub, desk_token)
    async with app.run_test(size=(120, 30)) as pilot:
        await connected(pilot, app)
        await pilot.press("D")
        screen = await wait_for(pilot, lambda: isinstance(app.screen, DryRunScreen) and app.screen)
        await pilot.press(*"78701", "enter")
        table = screen.query_one(DataTable)
        await wait_for(pilot, lambda: table.row_count == 2)
        first = table.get_row_at(0)
        assert first[:3] == ["1", "Ana Ruiz", "next in line"]
        last = table.get_row_at(1)
        assert last[1] == "Pia Paused" and last[2] == "not now" and "paused" in last[3]
        # the highlighted row, whole, under the table
        table.focus()
        await pilot.press("down")
        why = screen.query_one("#dryrun-why", Label)
        await wait_for(pilot, lambda: str(why.render()).startswith("Pia Paused"))
        assert str(why.render()).endswith(f"· not now · {last[3]}")
        summary = str(screen.query_one("#dryrun-summary", Label).render())
        assert "Ana Ruiz would get" in summary and "1 of 2" in summary
        # an unknown zip code gets the hub's clear refusal
        screen.query_one(Input).focus()  # back to the zip field
        screen.query_one(Input).value = "00000"
        await pilot.press("enter")
        await wait_for(pilot, lambda: "unknown zip" in str(screen.query_one("#dryrun-summary", Label).render()))
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, DryRunScreen))


async def test_the_dry_run_is_for_the_concierge_only(live_hub: LiveHub) -> None:
    _, token = await live_hub.person("Sam Sender", ["agent"], ["78701"])
    refused = await raw_request(live_hub.url, token, "routing.dry_run", {"zip": "78701"})
    assert refused["code"] == "forbidden"
    app = agent_app(live_hub, token)
    posted = Posted()
    async with app.run_test(size=(80, 24), message_hook=posted) as pilot:
        await connected(pilot, app)
        await pilot.press("D")
        await pilot.pause()
        assert not isinstance(app.screen, DryRunScreen)
        assert any("concierge" in str(n.message) for n in posted.notifications)
