"""Alerts (toast and bell) for what another party did that asks something of me: interest in my
referral, my being picked, the other side's signature, contact revealed, a message; none for my
own acts, my own send included. Two people on a real hub: one in the app, one on a bare socket."""

from __future__ import annotations

from tests.tui.conftest import LiveHub, Posted, raw_request, wait_for
from tests.tui.test_flows import CLIENT
from tests.tui.test_live_hub import agent_app, connected
from tui.screens.choice_modal import ChoiceModal
from tui.screens.fee_modal import FeeModal


def ringing(app) -> list[bool]:
    bells: list[bool] = []
    app.bell = lambda: bells.append(True)
    return bells


async def ok(live_hub: LiveHub, token: str, op: str, **args) -> None:
    reply = await raw_request(live_hub.url, token, op, args)
    assert reply["type"] == "reply", reply


async def test_the_sender_hears_of_interest_and_messages_not_of_her_own_send(live_hub: LiveHub) -> None:
    sam, sam_token = await live_hub.person("Sam Sender", ["agent"], ["78701"])
    rita, rita_token = await live_hub.person("Rita Receiver", ["agent"], ["80202"])
    app = agent_app(live_hub, sam_token)
    bells = ringing(app)
    posted = Posted()
    async with app.run_test(size=(120, 30), message_hook=posted) as pilot:
        await connected(pilot, app)
        ref = await live_hub.submit(sam, **CLIENT, mode="private", receivers=[rita])  # her own send
        await wait_for(pilot, lambda: ref in app.inbox.table.referrals)
        await pilot.pause(0.2)
        assert not bells and not posted.toasted(lambda n: ref in (n.title or ""))
        await ok(live_hub, rita_token, "interest", id=ref)
        await wait_for(pilot, lambda: posted.toasted(
            lambda n: n.message == f"Rita Receiver is interested in {ref}: Zoe Quinn" and ref in n.title))
        assert len(bells) == 1
        await pilot.press("p")  # her own pick: no alert
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceModal))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, FeeModal))
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.inbox.table.referrals[ref].status == "pending")
        await ok(live_hub, rita_token, "thread.send", id=ref, body="Is she pre-approved?")
        await wait_for(pilot, lambda: len(bells) == 2)  # a message from the other side rings
        assert posted.toasted(lambda n: n.title == f"Rita Receiver on {ref}")


async def test_the_receiver_hears_she_was_picked_and_that_the_sender_signed(live_hub: LiveHub) -> None:
    sam, sam_token = await live_hub.person("Sam Sender", ["agent"], ["78701"])
    rita, rita_token = await live_hub.person("Rita Receiver", ["agent"], ["80202"])
    ref = await live_hub.submit(sam, **CLIENT, mode="private", receivers=[rita])
    app = agent_app(live_hub, rita_token)
    bells = ringing(app)
    posted = Posted()
    async with app.run_test(size=(120, 30), message_hook=posted) as pilot:
        await connected(pilot, app)
        await wait_for(pilot, lambda: ref in app.inbox.table.referrals)
        await pilot.press("a")  # her own interest: no alert
        await wait_for(pilot, lambda: "interest" not in app.inbox.table.referrals[ref].actions)
        await pilot.pause(0.2)
        assert not bells
        await ok(live_hub, sam_token, "pick", id=ref, receiver=rita)
        await wait_for(pilot, lambda: posted.toasted(lambda n: n.message.startswith(
            f"Sam Sender picked you for {ref}")))
        assert len(bells) == 1
        await wait_for(pilot, lambda: "sign" in app.inbox.table.referrals[ref].actions)
        await pilot.press("x")  # her own signature: no alert
        await wait_for(pilot, lambda: isinstance(app.screen, FeeModal))
        await pilot.press("enter")
        await wait_for(pilot, lambda: "receiver" in app.inbox.table.referrals[ref].signed_by)
        await pilot.pause(0.2)
        assert len(bells) == 1
        await ok(live_hub, sam_token, "sign", id=ref, fee_percent=25)
        await wait_for(pilot, lambda: posted.toasted(lambda n: n.message.startswith(
            f"Sam Sender signed the agreement for {ref}") and n.message.endswith("contact revealed")))
        assert len(bells) == 2
