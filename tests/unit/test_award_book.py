"""The line of claims racing for one appointment (server/events/awards.py): one claim is decided at a
time, those behind a winner learn the outcome the moment the award is recorded, a claim that
fails lets the next one go, and appointments do not wait for each other."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

from server.events.awards import Award, AwardBook
from shared.protocol import PersonRef

AT = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)


def award(ref_id: str, winner: str) -> Award:
    return Award(ref_id, PersonRef(id=winner, name=winner.title(), brokerage=""), AT)


async def test_claims_of_one_appointment_are_decided_one_at_a_time_and_the_award_releases_them():
    book = AwardBook()
    order: list[str] = []
    first_in = asyncio.Event()
    commit = asyncio.Event()

    async def winner() -> None:
        async with book.deciding("R-1"):
            order.append("winner deciding")
            first_in.set()
            await commit.wait()
            book.record([award("R-1", "ana")])  # committed: the others may learn it now
            await asyncio.sleep(0.05)  # the winner's reply is still being written
            order.append("winner done")

    async def racer(name: str) -> None:
        await first_in.wait()
        async with book.deciding("R-1"):
            known = book.get("R-1")
            order.append(f"{name} sees {known.winner.id if known else 'nothing'}")

    tasks = [asyncio.create_task(winner()), *(asyncio.create_task(racer(f"r{i}")) for i in range(3))]
    await first_in.wait()
    await asyncio.sleep(0.02)
    assert order == ["winner deciding"]  # the racers wait; none reached the database's turn
    commit.set()
    await asyncio.gather(*tasks)
    assert order[0] == "winner deciding"
    assert sorted(order[1:4]) == ["r0 sees ana", "r1 sees ana", "r2 sees ana"]  # before the winner ends
    assert order[4] == "winner done"


async def test_a_claim_that_fails_lets_the_next_one_decide():
    book = AwardBook()
    seen: list[str] = []

    async def failing() -> None:
        try:
            async with book.deciding("R-2"):
                await asyncio.sleep(0.02)
                raise RuntimeError("offer expired")
        except RuntimeError:
            seen.append("first failed")

    async def next_one() -> None:
        await asyncio.sleep(0.005)
        async with book.deciding("R-2"):
            seen.append("second deciding")

    await asyncio.gather(failing(), next_one())
    assert seen == ["first failed", "second deciding"]


async def test_other_appointments_do_not_wait_and_a_cancelled_waiter_does_not_cancel_the_one_ahead():
    book = AwardBook()
    release = asyncio.Event()
    holder_done = asyncio.Event()

    async def holder() -> None:
        async with book.deciding("R-3"):
            await release.wait()
        holder_done.set()

    async def waiter() -> None:
        async with book.deciding("R-3"):
            pass

    held = asyncio.create_task(holder())
    await asyncio.sleep(0.01)
    async with asyncio.timeout(0.5):  # a different appointment goes straight in
        async with book.deciding("R-4"):
            pass
    waiting = asyncio.create_task(waiter())
    await asyncio.sleep(0.01)
    waiting.cancel()
    await asyncio.gather(waiting, return_exceptions=True)
    assert not held.done()  # the claim being decided goes on
    release.set()
    await asyncio.wait_for(holder_done.wait(), 1)
    async with asyncio.timeout(0.5):  # and the line is free again
        async with book.deciding("R-3"):
            pass
