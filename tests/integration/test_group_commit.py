"""Group commit: writes that wait for the writer together are committed in one transaction and
each is answered only after that commit; a write of the batch that fails, fails alone (its
refusal, a broken statement, a commit that fails), and the others are stored."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import text

from server.errors import HubError
from server.events.transaction import Tx
from server.hub import Hub
from server.routing import offers
from server.storage.models import Person
from shared.protocol import ErrorCode, ReferralInput
from tests.integration.conftest import referral_row
from tests.wire import Wire, connect, wait_until

ZIPS = ["78701", "78702", "78703", "78704"]


def appointment(zip_code: str) -> ReferralInput:
    return ReferralInput(
        kind="appointment", first_name="Carla", last_name="Diaz", email="carla@example.com",
        phone="512-555-0100", street="12 Rainey St", city="Austin", zip=zip_code,
        lead_type="home valuation",
    )


async def offered_one_each(hub: Hub, wires: list[Wire]) -> list[tuple[Person, Wire, str]]:
    """One agent per zip code, each holding the ranked offer of one appointment in it."""
    desk, _ = await hub.add_person(name="Desk", roles=["concierge"])
    out = []
    for i, zip_code in enumerate(ZIPS):
        agent, token = await hub.add_person(name=f"Agent {i}", zips=[zip_code])
        ref_id = await hub.submit(desk.id, appointment(zip_code))
        out.append((agent, await connect(hub, token, wires, f"agent{i}"), ref_id))
    return out


class HeldWriter:
    """A write transaction of its own that holds the hub's writer until `release()`: the
    writes sent meanwhile queue up and go in together."""

    def __init__(self, hub: Hub) -> None:
        self._hub = hub
        self._held = asyncio.Event()
        self._go = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def _hold(self) -> None:
        async with self._hub.transaction():
            self._held.set()
            await self._go.wait()

    async def __aenter__(self) -> HeldWriter:
        self._task = asyncio.create_task(self._hold())
        await asyncio.wait_for(self._held.wait(), 10)
        return self

    def release(self) -> None:
        self._go.set()

    async def __aexit__(self, *exc: object) -> None:
        self.release()
        assert self._task is not None
        await self._task


async def queued(hub: Hub, count: int) -> None:
    await wait_until(lambda: hub.group_commit.waiting >= count, what=f"{count} writes to queue")


async def test_writes_waiting_together_share_one_commit_and_are_answered_after_it(hub, wires):
    agents = await offered_one_each(hub, wires)
    batches = hub.group_commit.batches
    async with HeldWriter(hub) as writer:
        claims = [asyncio.create_task(wire.request("claim", id=ref_id)) for _, wire, ref_id in agents]
        await queued(hub, len(agents))
        assert not any(claim.done() for claim in claims)  # nothing answered before its commit
        writer.release()
        replies = await asyncio.gather(*claims)
    for (agent, _, ref_id), reply in zip(agents, replies, strict=True):
        assert reply["type"] == "reply", reply
        assert reply["result"]["referral"]["status"] == "awarded"
        assert reply["result"]["referral"]["email"] == "carla@example.com"  # the winner's view
        stored = await referral_row(hub, ref_id)
        assert (stored.status, stored.receiver_id) == ("awarded", agent.id)
    assert hub.group_commit.batches == batches + 1
    assert hub.group_commit.largest == len(agents)


async def test_a_batchs_events_for_one_person_all_reach_them_in_order(hub, wires):
    """The desk sees every appointment: four claims in one commit are four events for it, written
    to its socket together, and it reads each as a frame of its own, with no gap in its sequence."""
    agents = await offered_one_each(hub, wires)
    _, token = await hub.add_person(name="Watcher", roles=["concierge"])
    watch = await connect(hub, token, wires, "watcher")
    async with HeldWriter(hub) as writer:
        claims = [asyncio.create_task(wire.request("claim", id=ref_id)) for _, wire, ref_id in agents]
        await queued(hub, len(agents))
        writer.release()
        await asyncio.gather(*claims)
    events = [await watch.event_where(lambda e: e["data"].get("status") == "awarded") for _ in agents]
    assert sorted(e["data"]["id"] for e in events) == sorted(ref_id for *_, ref_id in agents)
    seqs = [e["seq"] for e in events]
    assert seqs == list(range(seqs[0], seqs[0] + len(agents)))


async def test_a_refusal_in_a_batch_fails_alone(hub, wires):
    (a0, w0, r0), (a1, w1, _), (a2, w2, r2), (a3, _, r3) = await offered_one_each(hub, wires)
    batches = hub.group_commit.batches
    async with HeldWriter(hub) as writer:
        sent = [
            asyncio.create_task(w0.request("claim", id=r0)),
            asyncio.create_task(w1.request("pass", id=r3, reason="")),  # not offered to agent 1
            asyncio.create_task(w2.request("claim", id=r2)),
        ]
        await queued(hub, 3)
        writer.release()
        won0, refused, won2 = await asyncio.gather(*sent)
    assert won0["type"] == "reply" and won2["type"] == "reply", (won0, won2)
    # the answer it has on its own: agent 1 is not to see that appointment at all
    assert refused["type"] == "error" and refused["code"] == "not_found", refused
    assert (await w1.request("pass", id=r3, reason=""))["code"] == "not_found"
    assert (await referral_row(hub, r0)).receiver_id == a0.id
    assert (await referral_row(hub, r2)).receiver_id == a2.id
    # the refused pass changed nothing: the offer is still agent 3's
    still = await referral_row(hub, r3)
    assert still.status == "offered" and still.receiver_id is None
    # rolled back to its own savepoint: the two claims still went in the same single commit
    assert (hub.group_commit.batches, hub.group_commit.largest) == (batches + 1, 3)


def claim_by(agent: Person, ref_id: str) -> Callable[[Tx], Awaitable[Any]]:
    return lambda tx: offers.claim(tx, ref_id, agent)


async def run_together(hub: Hub, changes: list[Callable[[Tx], Awaitable[Any]]]) -> list[Any]:
    async with HeldWriter(hub) as writer:
        writes = [asyncio.create_task(hub.write(change)) for change in changes]
        await queued(hub, len(changes))
        writer.release()
        return await asyncio.gather(*writes, return_exceptions=True)


async def test_a_refusal_after_writing_leaves_none_of_its_rows(hub, wires):
    (a0, _, r0), (a1, _, r1), *_ = await offered_one_each(hub, wires)

    async def writes_then_refuses(tx: Tx) -> None:
        await tx.session.execute(text("UPDATE referrals SET city = 'Nowhere' WHERE id = :id"), {"id": r1})
        raise HubError(ErrorCode.FORBIDDEN, "changed its mind")

    first, refused, second = await run_together(
        hub, [claim_by(await hub.person(a0.id), r0), writes_then_refuses,
              claim_by(await hub.person(a1.id), r1)]
    )
    assert isinstance(refused, HubError) and refused.code == ErrorCode.FORBIDDEN
    assert not isinstance(first, BaseException) and not isinstance(second, BaseException)
    stored = await referral_row(hub, r1)
    assert (stored.city, stored.receiver_id) == ("Austin", a1.id)
    assert (await referral_row(hub, r0)).receiver_id == a0.id


async def test_a_broken_write_in_a_batch_takes_no_other_with_it(hub, wires):
    (a0, _, r0), (a1, _, r1), *_ = await offered_one_each(hub, wires)

    async def broken(tx: Tx) -> None:
        await tx.session.execute(text("INSERT INTO no_such_table VALUES (1)"))

    first, failed, second = await run_together(
        hub, [claim_by(await hub.person(a0.id), r0), broken, claim_by(await hub.person(a1.id), r1)]
    )
    assert "no_such_table" in str(failed)
    assert not isinstance(first, BaseException) and not isinstance(second, BaseException)
    assert (await referral_row(hub, r0)).receiver_id == a0.id
    assert (await referral_row(hub, r1)).receiver_id == a1.id


@pytest.mark.sqlite_only  # a foreign key checked at COMMIT (PostgreSQL's are not deferrable here)
async def test_a_write_whose_commit_fails_fails_alone(hub, wires):
    (a0, _, r0), (a1, _, r1), *_ = await offered_one_each(hub, wires)

    async def fails_at_commit(tx: Tx) -> None:
        await tx.session.execute(text("PRAGMA defer_foreign_keys = ON"))
        await tx.session.execute(
            text("INSERT INTO agent_zips (person_id, zip, sponsor) VALUES ('P-NOBODY', '78701', 0)")
        )

    first, failed, second = await run_together(
        hub, [claim_by(await hub.person(a0.id), r0), fails_at_commit,
              claim_by(await hub.person(a1.id), r1)]
    )
    assert "FOREIGN KEY" in str(failed)
    assert not isinstance(first, BaseException) and not isinstance(second, BaseException)
    assert (await referral_row(hub, r0)).receiver_id == a0.id
    assert (await referral_row(hub, r1)).receiver_id == a1.id
    async with hub.db.read() as session:
        assert await session.scalar(text("SELECT count(*) FROM agent_zips WHERE person_id = 'P-NOBODY'")) == 0


async def test_a_write_refused_before_its_turn_in_a_batch_is_answered_at_once_and_never_runs(hub, wires):
    (a0, _, r0), *_ = await offered_one_each(hub, wires)
    agent = await hub.person(a0.id)
    first_runs, go_on, refuse = asyncio.Event(), asyncio.Event(), asyncio.Event()
    ran: list[str] = []

    async def first(tx: Tx) -> Any:
        first_runs.set()
        await go_on.wait()  # the batch holds the writer until the test lets it finish
        return await offers.claim(tx, r0, agent)

    async def second(tx: Tx) -> None:
        ran.append("second")

    async def refusal() -> None:
        await refuse.wait()
        raise HubError(ErrorCode.NOT_OFFERED, "not offered to you")

    batches = hub.group_commit.batches
    async with HeldWriter(hub) as writer:
        claim = asyncio.create_task(hub.write(first))
        refused = asyncio.create_task(hub.write(second, None, refusal))
        await queued(hub, 2)
        writer.release()
        await asyncio.wait_for(first_runs.wait(), 10)  # the batch of both has begun
        refuse.set()
        with pytest.raises(HubError) as error:
            await asyncio.wait_for(refused, 10)  # answered while its batch still runs
        assert error.value.code == ErrorCode.NOT_OFFERED
        assert not claim.done()
        go_on.set()
        await asyncio.wait_for(claim, 10)
    assert ran == []  # withdrawn before its turn: it never ran
    assert (await referral_row(hub, r0)).receiver_id == a0.id
    assert (hub.group_commit.batches, hub.group_commit.largest) == (batches + 1, 2)


async def test_a_write_whose_refusal_needs_no_wait_never_runs_even_with_the_writer_idle(hub):
    """A claim on an appointment not offered to the claimant, with nothing else being written:
    its refusal (a quick read, which on SQLite never leaves the loop) answers it before the idle
    writer can take it, so it neither runs nor waits for a batch."""
    ran: list[str] = []

    async def change(tx: Tx) -> None:
        ran.append("change")

    async def refusal() -> None:
        raise HubError(ErrorCode.NOT_OFFERED, "not offered to you")

    assert not hub.group_commit.waiting and not hub.db.write_lock.locked()
    with pytest.raises(HubError) as error:
        await asyncio.wait_for(hub.write(change, None, refusal), 10)
    assert error.value.code == ErrorCode.NOT_OFFERED
    assert ran == []


async def test_the_writer_counts_the_time_its_batches_held_it(hub):
    """The claim storm's "the writer" figure: seconds held, at least as long as a change ran."""
    ran: list[float] = []
    release = asyncio.Event()

    async def change(tx: Tx) -> None:
        began = asyncio.get_running_loop().time()
        await release.wait()
        ran.append(asyncio.get_running_loop().time() - began)

    busy = hub.group_commit.busy
    write = asyncio.create_task(hub.write(change))
    await wait_until(lambda: hub.group_commit.waiting == 0 and not write.done(), what="the batch to run")
    asyncio.get_running_loop().call_later(0.05, release.set)
    await write
    held = hub.group_commit.busy - busy
    assert held >= ran[0] >= 0.04
