"""Pilot tests against a real hub on a temp SQLite file: what an agent or vendor sees and does."""

from __future__ import annotations

from datetime import timezone

from textual.widgets import Input, Label

from tests.tui.conftest import Link, LiveHub, Posted, StepClock, raw_request, wait_for
from tui.app import TriageApp, make_app
from tui.screens.reason_modal import ReasonModal

APPOINTMENT = dict(
    kind="appointment", first_name="Ann", last_name="Lee", zip="78701", city="Austin",
    lead_type="home valuation", email="ann.lee@example.com", phone="+1 512 555 0100",
)


def agent_app(hub: LiveHub, token: str, **kw) -> TriageApp:
    return make_app(hub.url, token, tz=timezone.utc, watch_terminal=False, **kw)


async def connected(pilot, app: TriageApp) -> None:
    await wait_for(pilot, lambda: app.loaded and app.inbox.line.state == "connected")


async def test_arrival_appears_without_a_key_press(live_hub: LiveHub) -> None:
    desk, _ = await live_hub.person("Routing Desk", ["concierge"])
    _, token = await live_hub.person("Dana Cole", ["agent"], ["78701"], rank_score=80)
    app = agent_app(live_hub, token)
    bells: list[bool] = []
    app.bell = lambda: bells.append(True)  # type: ignore[method-assign]
    posted = Posted()
    async with app.run_test(size=(120, 30), message_hook=posted) as pilot:
        await connected(pilot, app)
        assert "as Dana Cole" in app.inbox.line.describe()
        ref = await live_hub.submit(desk, **APPOINTMENT)
        await wait_for(pilot, lambda: ref in app.inbox.table.referrals)
        view = app.inbox.table.referrals[ref]
        assert view.visibility == "area_only" and not view.email
        assert bells, "an arrival rings the bell"
        assert any(ref in (n.title or "") for n in posted.notifications)
        assert "1 referral" in app.inbox.line.describe()
        left = app.inbox.table.get_cell(ref, "left").plain.strip()
        assert left.startswith(("29:", "30:00"))


async def test_a_claims_and_reveals_the_contact(live_hub: LiveHub) -> None:
    desk, _ = await live_hub.person("Routing Desk", ["concierge"])
    _, token = await live_hub.person("Dana Cole", ["agent"], ["78701"], rank_score=80)
    app = agent_app(live_hub, token)
    posted = Posted()
    async with app.run_test(size=(160, 48), message_hook=posted) as pilot:
        await connected(pilot, app)
        ref = await live_hub.submit(desk, **APPOINTMENT)
        await wait_for(pilot, lambda: ref in app.inbox.table.referrals)
        await pilot.press("enter")
        detail = app.inbox.detail
        await wait_for(pilot, lambda: detail.referral_id == ref and detail.audit)
        assert "contact hidden until you claim" in detail.as_text()
        await pilot.press("a")
        await wait_for(pilot, lambda: app.inbox.table.referrals[ref].visibility == "full")
        assert app.inbox.table.referrals[ref].email == "ann.lee@example.com"
        assert app.inbox.table.get_cell(ref, "client").plain == "Ann Lee"
        assert app.inbox.table.get_cell(ref, "status").plain == "awarded"
        await wait_for(pilot, lambda: detail.referral is not None and detail.referral.email)
        body = detail.as_text()
        assert "ann.lee@example.com" in body and "+1 512 555 0100" in body
        await wait_for(pilot, lambda: posted.toasted(lambda n: n.message == f"Claimed {ref} — contact revealed"))


async def test_r_passes_an_offer(live_hub: LiveHub) -> None:
    desk, _ = await live_hub.person("Routing Desk", ["concierge"])
    _, token = await live_hub.person("Dana Cole", ["agent"], ["78701"], rank_score=80)
    await live_hub.person("Lee Park", ["agent"], ["78701"], rank_score=60)
    app = agent_app(live_hub, token, undo_seconds=0.5)  # `u` could take it back
    posted = Posted()
    async with app.run_test(size=(80, 24), message_hook=posted) as pilot:
        await connected(pilot, app)
        ref = await live_hub.submit(desk, **APPOINTMENT)
        await wait_for(pilot, lambda: ref in app.inbox.table.referrals)
        await pilot.press("r")
        await wait_for(pilot, lambda: ref not in app.inbox.table.referrals
                       or "pass" not in app.inbox.table.referrals[ref].actions)
        await wait_for(pilot, lambda: any(f"Passed on {ref}" == n.message for n in posted.notifications))


async def test_r_rejects_a_partner_referral_with_a_required_reason(live_hub: LiveHub) -> None:
    vendor, token = await live_hub.person("Vera Vendor", ["vendor"])
    partner, _ = await live_hub.person("Pat Partner", ["partner"])
    await live_hub.hub.add_program("acme", "Acme referral program", vendor)
    app = agent_app(live_hub, token)
    posted = Posted()
    async with app.run_test(size=(120, 30), message_hook=posted) as pilot:
        await connected(pilot, app)
        ref = await live_hub.submit(
            partner, kind="partner", program="acme", company="Globex", contact_person="Hank Scorpio",
            email="hank@globex.example", phone="+1 555 0199", website="globex.example",
            notes="Needs a CRM",
        )
        await wait_for(pilot, lambda: ref in app.inbox.table.referrals)
        assert "reject" in app.inbox.table.referrals[ref].actions
        await pilot.press("r")
        modal = await wait_for(pilot, lambda: isinstance(app.screen, ReasonModal) and app.screen)
        await pilot.press("enter")  # empty: refused
        await pilot.pause(0.1)
        assert app.screen is modal
        assert "required" in str(modal.query_one("#reason-error", Label).render())
        await pilot.press(*"not a fit")
        assert modal.query_one(Input).value == "not a fit"
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, ReasonModal))
        await wait_for(pilot, lambda: app.inbox.table.referrals[ref].status == "rejected")
        await wait_for(pilot, lambda: any(f"Rejected {ref}" == n.message for n in posted.notifications))
        assert app.inbox.table.get_cell(ref, "status").plain == "rejected"
        await pilot.press("enter")
        detail = app.inbox.detail
        await wait_for(pilot, lambda: any(e.reason == "not a fit" for e in detail.audit))
        assert "hank@globex.example" in detail.as_text()  # the vendor sees the prospect's contact


async def test_countdown_ticks_down(live_hub: LiveHub) -> None:
    desk, _ = await live_hub.person("Routing Desk", ["concierge"])
    _, token = await live_hub.person("Dana Cole", ["agent"], ["78701"], rank_score=80)
    clock = StepClock()
    app = agent_app(live_hub, token, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await connected(pilot, app)
        ref = await live_hub.submit(desk, **APPOINTMENT, claim_window_seconds=600)

        def seconds() -> int:
            text = app.inbox.table.get_cell(ref, "left").plain.strip()
            minutes, secs = text.split(":")
            return int(minutes) * 60 + int(secs)

        await wait_for(pilot, lambda: ref in app.inbox.table.referrals)
        first = seconds()
        assert 590 <= first <= 600
        clock.advance(330)  # under 5 minutes left: the warning colour
        await wait_for(pilot, lambda: seconds() <= first - 330)
        cell = app.inbox.table.get_cell(ref, "left")
        assert cell.style.color.name.lower() == app.current_theme.warning.lower()
        clock.advance(300)  # past the deadline on our clock
        await wait_for(pilot, lambda: app.inbox.table.get_cell(ref, "left").plain.strip() == "expired")


async def test_reconnects_and_replays_missed_events(live_hub: LiveHub, hub_link: Link) -> None:
    desk, _ = await live_hub.person("Routing Desk", ["concierge"])
    _, token = await live_hub.person("Dana Cole", ["agent"], ["78701"], rank_score=80)
    app = make_app(hub_link.url, token, tz=timezone.utc, watch_terminal=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await connected(pilot, app)
        first = await live_hub.submit(desk, **APPOINTMENT)
        await wait_for(pilot, lambda: first in app.inbox.table.referrals)
        seq = app.session.last_seq
        hub_link.drop()  # the network drops
        await wait_for(pilot, lambda: app.inbox.line.state == "reconnecting")
        assert "reconnecting in" in app.inbox.line.describe()
        second = await live_hub.submit(desk, **{**APPOINTMENT, "first_name": "Bo", "zip": "78701"})
        await wait_for(pilot, lambda: second in app.inbox.table.referrals, timeout=10)
        assert app.inbox.line.state == "connected"
        assert app.session.last_seq > seq
        assert set(app.inbox.table.referrals) == {first, second}


async def test_a_refused_token_is_shown(live_hub: LiveHub) -> None:
    app = agent_app(live_hub, "not-a-token")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.inbox.line.state == "refused")
        assert "token refused" in app.inbox.line.describe()


async def test_a_referral_claimed_by_someone_else_leaves_with_the_winner(live_hub: LiveHub) -> None:
    desk, _ = await live_hub.person("Routing Desk", ["concierge"])
    _, dana_token = await live_hub.person("Dana Cole", ["agent"], ["78701"], rank_score=80)
    _, lee_token = await live_hub.person("Lee Park", ["agent"], ["78701"], rank_score=60)
    app = agent_app(live_hub, lee_token)
    posted = Posted()
    async with app.run_test(size=(120, 30), message_hook=posted) as pilot:
        await connected(pilot, app)
        # Short windows: Dana's ranked offer lapses, then Lee's, then it opens to both.
        ref = await live_hub.submit(desk, **APPOINTMENT, claim_window_seconds=2)
        await wait_for(pilot, lambda: (view := app.inbox.table.referrals.get(ref)) is not None
                       and view.offer is not None and view.offer.phase == "open", timeout=15)
        reply = await raw_request(live_hub.url, dana_token, "claim", {"id": ref})
        assert reply["type"] == "reply", reply
        await wait_for(pilot, lambda: ref not in app.inbox.table.referrals)
        await wait_for(pilot, lambda: any("claimed by Dana Cole at" in n.message for n in posted.notifications))


def test_claim_lost_error_names_the_winner() -> None:
    from shared.protocol import ErrorCode, HubError
    from tui.inbox.commands import refusal_text

    exc = HubError(ErrorCode.CLAIM_LOST, "Dana Cole claimed R-1 at 2025-03-14T10:04:05+00:00",
                   {"winner": {"id": "P1", "name": "Dana Cole"}, "at": "2025-03-14T10:04:05+00:00"})
    assert refusal_text(exc, timezone.utc) == "Dana Cole claimed it at 10:04:05"
    assert refusal_text(HubError(ErrorCode.REASON_REQUIRED, "a reason is required"), timezone.utc) == (
        "a reason is required")
