"""The line of claims racing for one appointment (server/events/awards.py): one claim is decided at a
time, those behind a winner learn the outcome the moment the award is recorded, a claim that
fails lets the next one go, and appointments do not wait for each other.

No test here sleeps: each step waits for the event that the step before it caused. A racer that
sets its `arrived` mark goes on, without awaiting anything in between, into `book.deciding`, so by
the time the test runs again it is either waiting in line or (a bug) inside."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

from server.events.awards import Award, AwardBook
from shared.protocol import PersonRef

AT = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
BOUND = 5.0  # seconds: only a bound for a hung test; every wait ends at its event


def award(ref_id: str, winner: str) -> Award:
    return Award(ref_id, PersonRef(id=winner, name=winner.title(), brokerage=""), AT)


async def test_claims_of_one_appointment_are_decided_one_at_a_time_and_the_award_releases_them():
    book = AwardBook()
    order: list[str] = []
    first_in = asyncio.Event()
    commit = asyncio.Event()
    arrived: list[str] = []
    all_arrived = asyncio.Event()
    all_seen = asyncio.Event()

    async def winner() -> None:
        async with book.deciding("R-1"):
            order.append("winner deciding")
            first_in.set()
            await commit.wait()
            book.record([award("R-1", "ana")])  # committed: the others may learn it now
            # the winner's reply is still being written: the racers are told before it ends
            await asyncio.wait_for(all_seen.wait(), BOUND)
            order.append("winner done")

    async def racer(name: str) -> None:
        await first_in.wait()
        arrived.append(name)
        if len(arrived) == 3:
            all_arrived.set()
        async with book.deciding("R-1"):
            known = book.get("R-1")
            order.append(f"{name} sees {known.winner.id if known else 'nothing'}")
            if len(order) == 4:
                all_seen.set()

    tasks = [asyncio.create_task(winner()), *(asyncio.create_task(racer(f"r{i}")) for i in range(3))]
    await asyncio.wait_for(all_arrived.wait(), BOUND)  # every racer is at the line
    assert order == ["winner deciding"]  # the racers wait; none reached the database's turn
    commit.set()
    await asyncio.wait_for(asyncio.gather(*tasks), BOUND)
    assert order[0] == "winner deciding"
    assert sorted(order[1:4]) == ["r0 sees ana", "r1 sees ana", "r2 sees ana"]  # before the winner ends
    assert order[4] == "winner done"


async def test_a_claim_that_fails_lets_the_next_one_decide():
    book = AwardBook()
    seen: list[str] = []
    inside = asyncio.Event()
    arrived = asyncio.Event()

    async def failing() -> None:
        try:
            async with book.deciding("R-2"):
                inside.set()
                await arrived.wait()  # the next claim is in line behind this one
                raise RuntimeError("offer expired")
        except RuntimeError:
            seen.append("first failed")

    async def next_one() -> None:
        await inside.wait()
        arrived.set()
        async with book.deciding("R-2"):
            seen.append("second deciding")

    await asyncio.wait_for(asyncio.gather(failing(), next_one()), BOUND)
    assert seen == ["first failed", "second deciding"]


async def test_other_appointments_do_not_wait_and_a_cancelled_waiter_does_not_cancel_the_one_ahead():
    book = AwardBook()
    release = asyncio.Event()
    holding = asyncio.Event()
    holder_done = asyncio.Event()
    arrived = asyncio.Event()

    async def holder() -> None:
        async with book.deciding("R-3"):
            holding.set()
            await release.wait()
        holder_done.set()

    async def waiter() -> None:
        arrived.set()
        async with book.deciding("R-3"):
            pass

    held = asyncio.create_task(holder())
    await asyncio.wait_for(holding.wait(), BOUND)
    async with asyncio.timeout(BOUND):  # a different appointment goes straight in (R-3 is never released here)
        async with book.deciding("R-4"):
            pass
    waiting = asyncio.create_task(waiter())
    await asyncio.wait_for(arrived.wait(), BOUND)  # the waiter is in line behind the holder
    assert not waiting.done()
    waiting.cancel()
    await asyncio.gather(waiting, return_exceptions=True)
    assert waiting.cancelled()
    assert not held.done()  # the claim being decided goes on
    release.set()
    await asyncio.wait_for(holder_done.wait(), BOUND)
    async with asyncio.timeout(BOUND):  # and the line is free again
        async with book.deciding("R-3"):
            pass


def test_the_book_holds_an_offer_until_its_deadline_its_award_or_the_next_commit_without_it():
    from datetime import timedelta

    book = AwardBook(offers_noted=2)
    later = AT + timedelta(minutes=5)
    book.saw_offers("R-1", {"ana": later, "bob": later})
    assert book.holds_offer("R-1", "ana", AT)
    assert not book.holds_offer("R-1", "cy", AT)  # never offered it
    assert not book.holds_offer("R-1", "ana", later)  # its clock has run out
    book.saw_offers("R-1", {"bob": later})  # a commit left Ana without it (she passed)
    assert not book.holds_offer("R-1", "ana", AT) and book.holds_offer("R-1", "bob", AT)
    book.record([award("R-1", "bob")])  # won: nobody holds it any more
    assert not book.holds_offer("R-1", "bob", AT)
    book.saw_offers("R-2", {"ana": later})
    book.saw_offers("R-3", {"ana": later})
    book.saw_offers("R-4", {"ana": later})  # the book keeps the newest `offers_noted` offers
    assert not book.holds_offer("R-2", "ana", AT)
    assert book.holds_offer("R-3", "ana", AT) and book.holds_offer("R-4", "ana", AT)
    book.saw_offers("R-4", {})  # closed: forgotten
    assert not book.holds_offer("R-4", "ana", AT)
