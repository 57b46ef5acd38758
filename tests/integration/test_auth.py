"""Every connection is one authenticated person: no token, a wrong one or a revoked one gets 401."""

from __future__ import annotations

import pytest

from server.storage import people
from tests.wire import connect as connect_wire
from tests.wire import handshake_status


async def test_no_token_is_refused_with_401(hub):
    assert (await handshake_status(hub.url))[0] == 401


@pytest.mark.parametrize("header", ["Bearer trg_notarealtoken", "Bearer ", "Basic dXNlcjpwdw==", "trg_x"])
async def test_wrong_token_is_refused_with_401(hub, header):
    await hub.add_person(name="Ann Agent", zips=["78701"])
    assert (await handshake_status(hub.url, authorization=header))[0] == 401


async def test_revoked_token_is_refused_and_a_live_one_still_works(hub, wires):
    ann, ann_token = await hub.add_person(name="Ann Agent", zips=["78701"])
    bob, bob_token = await hub.add_person(name="Bob Agent", zips=["78701"])
    # the token works before revocation
    wire = await connect_wire(hub, ann_token, wires, "ann")
    assert wire.hello_result["person"]["id"] == ann.id
    await wire.close()

    async with hub.db.write_lock, hub.db.write_session() as session:
        assert await people.revoke_tokens(session, ann.id, hub.now()) == 1

    assert (await handshake_status(hub.url, ann_token))[0] == 401
    # Bob is unaffected
    other = await connect_wire(hub, bob_token, wires, "bob")
    assert other.hello_result["person"]["id"] == bob.id
