"""A person who may not see a referral learns nothing from asking about it: every operation that
names a referral answers them exactly as it answers an id that was never used (`not_found`, the
same message but for the id), so no answer tells a stranger that the referral exists."""

from __future__ import annotations

import msgspec
import pytest

from server.events.awards import AwardBook
from server.operations.table import OPERATIONS
from shared.protocol import ReferralInput
from tests.integration.conftest import snapshot
from tests.wire import connect

NO_SUCH = "R-NOSUCH00"

# the arguments besides `id` that each operation needs to get past its schema
EXTRA = {
    "move": {"to": "working"},
    "edit": {"changes": {"notes": "x"}},
    "send": {"mode": "private", "receivers": []},
    "add_receivers": {"receivers": []},
    "pick": {"receiver": "P-NOBODY"},
    "sign": {"fee_percent": 25.0},
    "thread.send": {"body": "hello"},
    "desk.assign": {"agent": "P-NOBODY"},
}


def ops_naming_a_referral() -> list[str]:
    """Every operation whose `id` is a referral's (the team's operations name people, programs
    and network groups)."""
    return sorted(
        op for op, operation in OPERATIONS.items()
        if any(f.name == "id" for f in msgspec.structs.fields(operation.args)) and not op.startswith("team.")
    )


@pytest.fixture
async def referrals(hub):
    desk, _ = await hub.add_person(name="Desk", roles=["concierge"])
    sam, _ = await hub.add_person(name="Sam Sender", zips=["78701"])
    rita, _ = await hub.add_person(name="Rita Receiver", zips=["78704"])
    ann, ann_t = await hub.add_person(name="Ann Agent", zips=["78701"], rank_score=90)
    vendor, _ = await hub.add_person(name="Vera Vendor", roles=["vendor"])
    partner, _ = await hub.add_person(name="Pat Partner", roles=["partner"])
    stranger, stranger_t = await hub.add_person(name="Otto Outsider", zips=["10001"])
    await hub.add_program("PRG1", "Acme Program", vendor.id)
    ids = {
        "agent": await hub.submit(sam.id, ReferralInput(
            kind="agent", first_name="Ann", last_name="Lee", email="ann@x.example", zip="78704",
            mode="private", receivers=[rita.id])),
        "draft": await hub.submit(sam.id, ReferralInput(
            kind="agent", first_name="Bo", last_name="Ng", zip="78704", send=False)),
        "partner": await hub.submit(partner.id, ReferralInput(
            kind="partner", program="PRG1", company="Globex", contact_email="h@globex.example")),
        "appointment": await hub.submit(desk.id, ReferralInput(
            kind="appointment", first_name="Carla", last_name="Diaz", zip="78701",
            lead_type="home valuation")),
        "active": await hub.submit(desk.id, ReferralInput(
            kind="active", first_name="Dan", last_name="Ruiz", zip="78701", phone="555-0101")),
    }
    return stranger_t, ids, ann_t


@pytest.mark.parametrize("op", ops_naming_a_referral())
async def test_a_stranger_is_told_every_referral_does_not_exist(hub, wires, referrals, op):
    token, ids, _ = referrals
    otto = await connect(hub, token, wires, "otto")
    before = await snapshot(hub)
    nothing = await otto.request(op, id=NO_SUCH, **EXTRA.get(op, {}))
    # an operation of a role Otto lacks (the desk's) refuses him whatever the id
    expected = "forbidden" if OPERATIONS[op].role not in (None, "agent") else "not_found"
    assert nothing["type"] == "error" and nothing["code"] == expected, nothing
    for kind, ref_id in ids.items():
        frame = await otto.request(op, id=ref_id, **EXTRA.get(op, {}))
        assert frame["type"] == "error", (kind, frame)
        assert (frame["code"], frame["message"].replace(ref_id, NO_SUCH)) == (
            nothing["code"], nothing["message"]
        ), f"{op} on a {kind} referral tells a stranger more than on an unknown id: {frame}"
    assert await snapshot(hub) == before


async def test_a_stranger_claiming_a_won_appointment_is_not_told_who_won(hub, wires, referrals):
    """Racers who saw it on offer learn the winner; a stranger is told there is no such
    appointment, from the hub's book of awards and from the database alike."""
    token, ids, ann_t = referrals
    ann = await connect(hub, ann_t, wires, "ann")
    assert (await ann.request("claim", id=ids["appointment"]))["type"] == "reply"
    otto = await connect(hub, token, wires, "otto")
    unknown = await otto.request("claim", id=NO_SUCH)
    from_book = await otto.request("claim", id=ids["appointment"])
    hub.awards = AwardBook()  # a hub that did not see the award answers from the database
    from_db = await otto.request("claim", id=ids["appointment"])
    for frame in (from_book, from_db):
        assert frame["code"] == "not_found", frame
        assert frame["message"].replace(ids["appointment"], NO_SUCH) == unknown["message"]
        assert "Ann" not in str(frame)

