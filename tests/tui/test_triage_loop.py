"""The triage loop against a real hub: the keys act on the referral the person is looking at,
`space` and follow mode find the next offer to expire, a claim or a pass moves on to the next
offer, a pass or an archive can be taken back for a few seconds, `y` copies revealed contact."""

from __future__ import annotations

from tests.tui.conftest import LiveHub, Posted, raw_request, wait_for
from tests.tui.test_flows import choose
from tests.tui.test_live_hub import APPOINTMENT, agent_app, connected
from tui.screens.choice_modal import ChoiceModal


def offer(first_name: str, minutes: float) -> dict:
    return {**APPOINTMENT, "first_name": first_name, "claim_window_seconds": int(minutes * 60)}


async def cast(live_hub: LiveHub) -> tuple[str, str, str]:
    """The desk, Dana (first in rank) and her token; Lee after her, so offers move on to him."""
    desk, _ = await live_hub.person("Routing Desk", ["concierge"])
    dana, token = await live_hub.person("Dana Cole", ["agent"], ["78701"], rank_score=80)
    await live_hub.person("Lee Park", ["agent"], ["78701"], rank_score=60)
    return desk, dana, token


def offered(app, ref: str) -> bool:
    view = app.inbox.table.referrals.get(ref)
    return view is not None and view.offer is not None and view.offer.state == "open"


async def test_a_row_taken_from_under_the_cursor_is_not_acted_on(live_hub: LiveHub) -> None:
    desk, _, token = await cast(live_hub)
    app = agent_app(live_hub, token)
    posted = Posted()
    async with app.run_test(size=(120, 30), message_hook=posted) as pilot:
        await connected(pilot, app)
        going = await live_hub.submit(desk, **{**offer("Ann", 0), "claim_window_seconds": 3})
        staying = await live_hub.submit(desk, **offer("Bo", 30))
        await wait_for(pilot, lambda: {going, staying} <= set(app.inbox.table.referrals))
        assert app.inbox.table.selected_id == going  # the head: least time left
        await wait_for(pilot, lambda: going not in app.inbox.table.referrals, timeout=10)  # moved on
        assert app.inbox.table.selected_id == staying
        await pilot.press("a")  # meant for the one that left: not claimed on the other
        await wait_for(pilot, lambda: posted.toasted(lambda n: "moved away from under the cursor" in n.message))
        await pilot.pause(0.3)
        assert offered(app, staying)
        await pilot.press("a")  # now the person has seen where the cursor is
        await wait_for(pilot, lambda: app.inbox.table.referrals[staying].status == "awarded")


async def test_after_a_claim_the_cursor_goes_to_the_next_offer(live_hub: LiveHub) -> None:
    desk, _, token = await cast(live_hub)
    app = agent_app(live_hub, token)
    async with app.run_test(size=(120, 30)) as pilot:
        await connected(pilot, app)
        refs = [await live_hub.submit(desk, **offer(name, minutes))
                for name, minutes in (("Ann", 10), ("Bo", 20), ("Cy", 25))]
        await wait_for(pilot, lambda: set(refs) <= set(app.inbox.table.referrals))
        assert app.inbox.table.selected_id == refs[0]
        await pilot.press("a")
        await wait_for(pilot, lambda: app.inbox.table.referrals[refs[0]].status == "awarded")
        await wait_for(pilot, lambda: app.inbox.table.selected_id == refs[1])  # not down with Ann's row
        await pilot.press("a")
        await wait_for(pilot, lambda: app.inbox.table.referrals[refs[1]].status == "awarded")
        await wait_for(pilot, lambda: app.inbox.table.selected_id == refs[2])


async def test_space_jumps_to_the_least_time_left_and_f_follows_the_head(live_hub: LiveHub) -> None:
    desk, _, token = await cast(live_hub)
    app = agent_app(live_hub, token)
    async with app.run_test(size=(120, 30)) as pilot:
        await connected(pilot, app)
        later = await live_hub.submit(desk, **offer("Ann", 20))
        sooner = await live_hub.submit(desk, **offer("Bo", 10))
        await wait_for(pilot, lambda: {later, sooner} <= set(app.inbox.table.referrals))
        await pilot.press("end")
        assert app.inbox.table.selected_id == later
        await pilot.press("space")
        assert app.inbox.table.selected_id == sooner
        await pilot.press("end", "f")  # follow: back to the head, and it stays there
        assert app.inbox.table.selected_id == sooner
        assert "following (f)" in str(app.inbox.line.render())
        soonest = await live_hub.submit(desk, **offer("Cy", 5))
        await wait_for(pilot, lambda: app.inbox.table.selected_id == soonest)
        await pilot.press("a")  # the jump came just now: said first, not claimed
        await pilot.pause(0.3)
        assert offered(app, soonest) and offered(app, sooner)
        await pilot.press("f", "end")  # off: an arrival no longer moves the cursor
        assert "following" not in str(app.inbox.line.render())
        kept = app.inbox.table.selected_id
        newest = await live_hub.submit(desk, **offer("Di", 2))
        await wait_for(pilot, lambda: newest in app.inbox.table.referrals)
        assert app.inbox.table.selected_id == kept


async def test_r_passes_after_an_undo_window_and_u_takes_it_back(live_hub: LiveHub) -> None:
    desk, _, token = await cast(live_hub)
    app = agent_app(live_hub, token, undo_seconds=1.0)
    posted = Posted()
    async with app.run_test(size=(120, 30), message_hook=posted) as pilot:
        await connected(pilot, app)
        first = await live_hub.submit(desk, **offer("Ann", 10))
        second = await live_hub.submit(desk, **offer("Bo", 20))
        await wait_for(pilot, lambda: {first, second} <= set(app.inbox.table.referrals))
        await pilot.press("r")
        assert posted.toasted(lambda n: n.message == f"Passing on {first} in 1 s — u to undo")
        assert app.inbox.table.selected_id == second  # on to the next offer at once
        assert "undo" in {b.action for _, b, on, _ in app.screen.active_bindings.values() if on}
        await pilot.press("u")
        assert posted.toasted(lambda n: "nothing was sent" in n.message)
        assert app.inbox.table.selected_id == first  # back on the one kept
        await pilot.pause(1.5)  # past the window: still nothing sent
        assert offered(app, first)
        await pilot.press("r")
        await wait_for(pilot, lambda: first not in app.inbox.table.referrals)  # sent when it ended
        await wait_for(pilot, lambda: posted.toasted(lambda n: n.message == f"Passed on {first}"))


async def test_quitting_within_the_undo_window_sends_nothing(live_hub: LiveHub) -> None:
    desk, _, token = await cast(live_hub)
    ref = await live_hub.submit(desk, **offer("Ann", 10))
    app = agent_app(live_hub, token, undo_seconds=30.0)
    async with app.run_test(size=(120, 30)) as pilot:
        await connected(pilot, app)
        await wait_for(pilot, lambda: ref in app.inbox.table.referrals)
        await pilot.press("r")
        assert app.inbox.undo.held
        app.exit()
    reply = await raw_request(live_hub.url, token, "referral.get", {"id": ref})
    assert reply["type"] == "reply", reply
    assert "pass" in reply["result"]["referral"]["actions"]  # still hers to claim or pass


async def test_archive_waits_for_its_undo_window(live_hub: LiveHub) -> None:
    vendor, token = await live_hub.person("Vera Vendor", ["vendor"])
    partner, _ = await live_hub.person("Pat Partner", ["partner"])
    await live_hub.hub.add_program("acme", "Acme referral program", vendor)
    ref = await live_hub.submit(partner, kind="partner", program="acme", company="Globex",
                                contact_person="Hank Scorpio", email="hank@globex.example")
    app = agent_app(live_hub, token, undo_seconds=0.5)
    posted = Posted()
    async with app.run_test(size=(120, 30), message_hook=posted) as pilot:
        await connected(pilot, app)
        await wait_for(pilot, lambda: "archive" in app.inbox.table.referrals.get(ref, _NONE).actions)
        await pilot.press("A")
        assert posted.toasted(lambda n: n.message == f"Archiving {ref} in 0.5 s — u to undo")
        assert app.inbox.table.referrals[ref].status != "archived"
        await wait_for(pilot, lambda: app.inbox.table.referrals[ref].status == "archived")


class _NoActions:
    actions: list[str] = []


_NONE = _NoActions()


async def test_y_copies_revealed_contact_only(live_hub: LiveHub, monkeypatch) -> None:
    import tui.clipboard

    written: list[str] = []
    monkeypatch.setattr(tui.clipboard.terminal_output, "write", lambda app, seq: written.append(seq))
    monkeypatch.setenv("TMUX", "/tmp/tmux-0/default,1,0")
    desk, _, token = await cast(live_hub)
    app = agent_app(live_hub, token)
    posted = Posted()
    async with app.run_test(size=(120, 30), message_hook=posted) as pilot:
        await connected(pilot, app)
        ref = await live_hub.submit(desk, **offer("Ann", 10))
        await wait_for(pilot, lambda: ref in app.inbox.table.referrals)
        await pilot.press("y")  # masked: nothing to copy
        await wait_for(pilot, lambda: posted.toasted(lambda n: "contact not revealed yet" in n.message))
        assert app.clipboard == "" and not written
        await pilot.press("a")
        await wait_for(pilot, lambda: app.inbox.table.referrals[ref].visibility == "full")
        await pilot.press("y")  # a phone and an e-mail: which one
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceModal))
        await choose(pilot, app, "+1 512 555 0100")
        await wait_for(pilot, lambda: app.clipboard == "+1 512 555 0100")
        assert written == ["\x1bPtmux;\x1b\x1b]52;c;KzEgNTEyIDU1NSAwMTAw\x07\x1b\\"]  # for tmux


async def test_the_loop_keys_are_in_the_command_palette_and_have_ids() -> None:
    from datetime import timezone

    from tests.tui.sample import NOW
    from tests.tui.test_snapshots import load
    from tui.app import make_app
    from tui.inbox.screen import InboxScreen

    ids = {binding.id for binding in InboxScreen.BINDINGS}
    assert {"triage.next", "triage.follow", "triage.undo", "triage.copy"} <= ids
    app = make_app("ws://hub.test", "t", clock=lambda: NOW, tz=timezone.utc, connect=False,
                   watch_terminal=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await load(pilot)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Next offer", "Follow queue", "Undo", "Copy contact"} <= titles
