"""Agent search through the wire: fuzzy on name and brokerage, zip code plus radius,
specialization, language and minimum experience, ranked by relevance then distance; with each
agent's profile and track record; bad areas refused."""

from __future__ import annotations

from server.hub import Hub
from tests.wire import Wire, connect


async def _people(hub: Hub) -> str:
    await hub.add_person(name="Dana Cole", zips=["78701", "78704"], brokerage="Lone Star Realty",
                         specializations=["luxury", "residential"], languages=["English", "Spanish"],
                         years_experience=12, rank_score=80)
    await hub.add_person(name="Diana Coleman", zips=["78745"], brokerage="Hill Country Homes",
                         specializations=["residential"], languages=["English"], years_experience=4)
    await hub.add_person(name="Marco Ruiz", zips=["80202"], brokerage="Mile High Homes",
                         specializations=["commercial"], languages=["Spanish"], years_experience=20)
    await hub.add_person(name="Desk", roles=["concierge"], zips=["78701"])  # not an agent
    _, token = await hub.add_person(name="Searcher", zips=["97201"])
    return token


async def test_fuzzy_text_ranks_the_closest_name_first(hub: Hub, wires: list[Wire]) -> None:
    me = await connect(hub, await _people(hub), wires)
    found = (await me.ok("agents.search", text="dana cole"))["agents"]
    assert [a["name"] for a in found][:2] == ["Dana Cole", "Diana Coleman"]
    assert found[0]["score"] > found[1]["score"]
    by_firm = (await me.ok("agents.search", text="lone star"))["agents"]
    assert [a["name"] for a in by_firm] == ["Dana Cole"]
    card = by_firm[0]
    assert card["specializations"] == ["luxury", "residential"]
    assert card["languages"] == ["English", "Spanish"]
    assert card["years_experience"] == 12 and card["zips"] == ["78701", "78704"]
    assert "Desk" not in {a["name"] for a in (await me.ok("agents.search"))["agents"]}


async def test_zip_radius_orders_by_distance_and_excludes_far_agents(hub: Hub, wires: list[Wire]) -> None:
    me = await connect(hub, await _people(hub), wires)
    near = (await me.ok("agents.search", zip="78701", radius_miles=15))["agents"]
    assert [a["name"] for a in near] == ["Dana Cole", "Diana Coleman"]
    assert near[0]["distance_miles"] == 0.0 < near[1]["distance_miles"] <= 15
    assert "Marco Ruiz" not in {a["name"] for a in near}  # Denver is 770 miles away


async def test_filters_combine(hub: Hub, wires: list[Wire]) -> None:
    me = await connect(hub, await _people(hub), wires)
    spanish = (await me.ok("agents.search", language="spanish"))["agents"]
    assert {a["name"] for a in spanish} == {"Dana Cole", "Marco Ruiz"}
    veteran = (await me.ok("agents.search", language="Spanish", min_years=15))["agents"]
    assert [a["name"] for a in veteran] == ["Marco Ruiz"]
    luxury = (await me.ok("agents.search", specialization="Luxury", zip="78701", radius_miles=5))["agents"]
    assert [a["name"] for a in luxury] == ["Dana Cole"]


async def test_bad_search_areas_are_refused(hub: Hub, wires: list[Wire]) -> None:
    me = await connect(hub, await _people(hub), wires)
    for args in ({"zip": "00000", "radius_miles": 5}, {"zip": "78701", "radius_miles": -1},
                 {"zip": "78701", "radius_miles": 100000}, {"min_years": -3}):
        error = await me.request("agents.search", **args)
        assert error["code"] == "bad_request", args
