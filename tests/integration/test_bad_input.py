"""Bad input is answered with a stable error code; the hub keeps serving and stores nothing."""

from __future__ import annotations

import json

import pytest
from websockets.exceptions import ConnectionClosed

from shared.protocol import ReferralInput
from tests.integration.conftest import referral_row, snapshot
from tests.wire import connect


@pytest.fixture
async def world(hub):
    """A partner referral pending with a vendor, and an appointment on offer to Ann."""
    desk, desk_t = await hub.add_person(name="Desk", roles=["concierge"])
    ann, ann_t = await hub.add_person(name="Ann Agent", zips=["78701"], rank_score=90)
    vendor, vendor_t = await hub.add_person(name="Vera Vendor", roles=["vendor"])
    partner, partner_t = await hub.add_person(name="Pat Partner", roles=["partner"])
    await hub.add_program("PRG1", "Acme Program", vendor.id, fee_type="intro", fee_amount=500.0)
    partner_ref = await hub.submit(
        partner.id,
        ReferralInput(kind="partner", program="PRG1", company="Globex", contact_person="Hank",
                      contact_email="hank@globex.example", contact_phone="555-0100"),
    )
    appt = await hub.submit(
        desk.id,
        ReferralInput(kind="appointment", first_name="Carla", last_name="Diaz", zip="78701",
                      lead_type="home valuation"),
    )
    return {"ann_t": ann_t, "vendor_t": vendor_t, "partner_ref": partner_ref, "appt": appt,
            "desk_t": desk_t}


async def still_serving(hub, token, wires):
    """Another client connects, says hello and reads its inbox."""
    other = await connect(hub, token, wires, "other")
    inbox = await other.ok("inbox")
    assert inbox["total"] >= 1
    await other.close()


async def test_malformed_json_is_bad_frame(hub, world, wires):
    wire = await connect(hub, world["ann_t"], wires, "ann")
    before = await snapshot(hub)
    await wire.send_raw("{not json")
    error = await wire.next_orphan()
    assert error["code"] == "bad_frame"
    await wire.send_raw(json.dumps(["a", "list"]))
    assert (await wire.next_orphan())["code"] == "bad_frame"
    # the same connection still answers
    assert (await wire.ok("inbox"))["total"] == 1
    assert await snapshot(hub) == before
    await still_serving(hub, world["desk_t"], wires)


async def test_unknown_op(hub, world, wires):
    wire = await connect(hub, world["ann_t"], wires, "ann")
    before = await snapshot(hub)
    error = await wire.request("delete_everything", id=world["appt"])
    assert error["type"] == "error" and error["code"] == "unknown_op"
    assert "delete_everything" in error["message"]
    assert await snapshot(hub) == before
    await still_serving(hub, world["desk_t"], wires)


@pytest.mark.parametrize(
    ("op", "args"),
    [
        ("claim", {"id": 5}),
        ("claim", {}),
        ("move", {"id": "R-X", "to": "nowhere"}),
        ("inbox", {"limit": "many"}),
        ("pass", {"id": "R-X", "reason": ["list"]}),
        ("claim", {"id": "R-X", "extra": 1}),
        ("submit", {"referral": {"kind": "appointment", "price_min": "cheap"}}),
        ("submit", {"referral": {"kind": "spaceship"}}),
    ],
)
async def test_wrong_field_types_are_bad_request(hub, world, wires, op, args):
    wire = await connect(hub, world["desk_t"], wires, "desk")
    before = await snapshot(hub)
    error = await wire.request(op, **args)
    assert error["type"] == "error" and error["code"] == "bad_request", error
    assert await snapshot(hub) == before
    await still_serving(hub, world["ann_t"], wires)


async def test_request_before_hello_is_refused(hub, world, wires):
    wire = await connect(hub, world["ann_t"], wires, "ann", hello=False)
    before = await snapshot(hub)
    error = await wire.request("claim", id=world["appt"])
    assert error["code"] == "hello_required"
    error = await wire.request("inbox")
    assert error["code"] == "hello_required"
    assert await snapshot(hub) == before
    assert (await referral_row(hub, world["appt"])).status == "offered"
    # after hello the same connection works
    await wire.hello()
    assert (await wire.ok("inbox"))["total"] == 1
    await still_serving(hub, world["desk_t"], wires)


async def test_frame_over_64_kib_closes_with_1009(hub, world, wires):
    wire = await connect(hub, world["ann_t"], wires, "ann")
    before = await snapshot(hub)
    big = json.dumps({"id": "big", "op": "pass", "args": {"id": world["appt"], "reason": "x" * 70_000}})
    try:
        await wire.send_raw(big)
    except ConnectionClosed:
        pass
    await wire.wait_closed()
    assert wire.ws.close_code == 1009
    assert await snapshot(hub) == before
    assert (await referral_row(hub, world["appt"])).status == "offered"
    await still_serving(hub, world["ann_t"], wires)


async def test_frame_just_under_the_limit_is_served(hub, world, wires):
    wire = await connect(hub, world["ann_t"], wires, "ann")
    reason = "x" * 60_000
    result = await wire.ok("pass", id=world["appt"], reason=reason)
    assert result["referral"]["id"] == world["appt"]
    assert not wire.closed.is_set()
    # Ann was the only agent: the appointment went back to the concierge
    assert (await referral_row(hub, world["appt"])).status == "unclaimed"


async def test_forbidden_move_names_current_status_and_allowed_moves(hub, world, wires):
    vendor = await connect(hub, world["vendor_t"], wires, "vendor")
    before = await snapshot(hub)
    error = await vendor.request("move", id=world["partner_ref"], to="closed")
    assert error["code"] == "forbidden_move"
    assert "pending" in error["message"]
    for allowed in ("accepted", "rejected", "archived"):
        assert allowed in error["message"]
    assert error["details"] == {"status": "pending", "allowed": ["accepted", "rejected", "archived"]}
    assert await snapshot(hub) == before
    await still_serving(hub, world["ann_t"], wires)


async def test_partner_rejection_without_reason_is_refused(hub, world, wires):
    vendor = await connect(hub, world["vendor_t"], wires, "vendor")
    before = await snapshot(hub)
    for frame in (
        await vendor.request("reject", id=world["partner_ref"]),
        await vendor.request("reject", id=world["partner_ref"], reason="   "),
        await vendor.request("move", id=world["partner_ref"], to="rejected"),
    ):
        assert frame["type"] == "error" and frame["code"] == "reason_required", frame
    assert await snapshot(hub) == before
    assert (await referral_row(hub, world["partner_ref"])).status == "pending"
    # with a reason it goes through, and the reason is in the audit trail
    result = await vendor.ok("reject", id=world["partner_ref"], reason="not a fit")
    assert result["referral"]["status"] == "rejected"
    detail = await vendor.ok("referral.get", id=world["partner_ref"])
    assert any(a.get("reason") == "not a fit" and a.get("to_status") == "rejected" for a in detail["audit"])
    await still_serving(hub, world["ann_t"], wires)
