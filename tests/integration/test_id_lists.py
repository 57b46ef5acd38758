"""`among`: a column IN a list of ids passed as one parameter, on both databases: the same rows
as the IN list it replaced, for any number of ids (none, one, thousands), and ids that exist
nowhere match nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from server.hub import Hub
from server.storage.id_lists import among
from server.storage.models import Person


@pytest.mark.parametrize("count", [0, 1, 3, 1500])
async def test_among_matches_the_same_people_as_an_in_list(hub: Hub, count: int) -> None:
    made = [(await hub.add_person(name=f"Agent {i:04d}", roles=["agent"]))[0].id for i in range(3)]
    asked = (made * (count // 3 + 1))[:count] + [f"P-NOBODY{i}" for i in range(count // 2)]
    async with hub.db.read() as session:
        found = set((await session.execute(
            select(Person.id).where(among(Person.id, "ids")), {"ids": asked}
        )).scalars())
        by_value = set((await session.execute(
            select(Person.id).where(among(Person.id, "ids", asked))
        )).scalars())
    assert found == by_value == set(asked) & set(made)


async def test_an_update_among_ids_changes_those_rows_only(hub: Hub) -> None:
    made = [(await hub.add_person(name=f"Agent {i}", roles=["agent"]))[0].id for i in range(4)]
    async with hub.db.write_lock, hub.db.write_session() as session:
        await session.execute(
            update(Person).where(among(Person.id, "ids")).values(rank_score=99.0)
            .execution_options(synchronize_session=False),
            {"ids": made[:2]},
        )
    async with hub.db.read() as session:
        scores = dict((await session.execute(
            select(Person.id, Person.rank_score).where(Person.id.in_(made))
        )).all())
    assert [scores[pid] for pid in made] == [99.0, 99.0, 50.0, 50.0]


async def test_two_lists_of_ids_in_one_statement_are_each_their_own(hub: Hub) -> None:
    made = [(await hub.add_person(name=f"Agent {i}", roles=["agent"]))[0].id for i in range(3)]
    async with hub.db.read() as session:
        both = set((await session.execute(
            select(Person.id).where(among(Person.id, "ids", made[:2]), among(Person.id, "ids", made[1:]))
        )).scalars())
    assert both == {made[1]}
