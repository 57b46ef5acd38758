"""`triage dry-run` and `triage open` against a real hub running in the test's event loop."""

from __future__ import annotations

import json

import pytest

from server.hub import Hub
from server.storage.models import Person
from shared.protocol import ReferralInput
from tests.cli.test_report_export import run_cli


@pytest.mark.slow  # four `triage dry-run` subprocesses: ~4 s
async def test_dry_run_lists_who_would_get_it_in_order_and_why_not(hub: Hub) -> None:
    _, desk = await hub.add_person(name="Routing Desk", roles=["concierge"])
    top, _ = await hub.add_person(name="Tia Top", zips=["78701"], rank_score=90)
    await hub.add_person(name="Nia Next", zips=["78701"], rank_score=40)
    paused, agent_token = await hub.add_person(name="Pio Paused", zips=["78701"], rank_score=99)
    async with hub.db.write_lock, hub.db.write_session() as session:
        (await session.get(Person, paused.id)).paused = True
    code, out, err = await run_cli("dry-run", "78701", "--hub", hub.url, env={"TRIAGE_TOKEN": desk})
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("routing dry run for 78701")
    assert lines[1].split()[:4] == ["1", "Tia", "Top", "next"]
    assert lines[2].split()[:4] == ["2", "Nia", "Next", "in"]
    assert lines[3].split()[:5] == ["-", "Pio", "Paused", "not", "now"] and "paused" in lines[3]
    code, out, err = await run_cli("dry-run", "78701", "--format", "json", "--hub", hub.url,
                                   env={"TRIAGE_TOKEN": desk})
    assert code == 0, err
    assert [row["agent"]["id"] for row in json.loads(out)["agents"]][0] == top.id
    # an unknown zip: a clear error, exit 1
    code, out, err = await run_cli("dry-run", "00000", "--hub", hub.url, env={"TRIAGE_TOKEN": desk})
    assert code == 1 and "unknown zip code" in err
    # an agent is not the desk
    code, out, err = await run_cli("dry-run", "78701", "--hub", hub.url, env={"TRIAGE_TOKEN": agent_token})
    assert code == 1 and "concierge" in err


async def test_open_shows_an_open_referral_by_link_without_contact(hub: Hub) -> None:
    sender, _ = await hub.add_person(name="Sam Sender", zips=["78702"])
    _, reader = await hub.add_person(name="Rae Reader", zips=["78701"])
    ref_id = await hub.submit(sender.id, ReferralInput(
        kind="agent", first_name="Zoe", last_name="Quinn", email="zoe.quinn@example.com",
        phone="512-555-0101", zip="78701", city="Austin", intent="buy", price_min=400_000,
        price_max=500_000, mode="open", send=True))
    async with hub.db.read() as session:
        from server.storage.models import Referral

        link = (await session.get(Referral, ref_id)).link
    code, out, err = await run_cli("open", link, "--hub", hub.url, env={"TRIAGE_TOKEN": reader})
    assert code == 0, err
    assert ref_id in out and "Austin" in out and "$400,000 - $500,000" in out
    assert "zoe.quinn@example.com" not in out and "555-0101" not in out
    code, out, err = await run_cli("open", "L-NOSUCHLINK", "--hub", hub.url, env={"TRIAGE_TOKEN": reader})
    assert code == 1 and "no open referral" in err
