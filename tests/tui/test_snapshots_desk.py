"""Pictures of the desk's places, fed fixed hub answers (no hub, fixed clock): the board at 80x24
and 160x48, the people tab of the team screen at 80x24."""

from __future__ import annotations

from datetime import timedelta

import msgspec
import pytest

from shared.protocol import BoardRow, DeskBoard, PersonProfile, PersonRef, PersonView
from tests.tui.sample import NOW, inbox
from tests.tui.test_snapshots import SIZES, fixed_app
from tui.hub.messages import HelloReceived, InboxLoaded, LinkChanged

DESK = PersonView(id="P-DESK", name="Routing Desk", roles=["concierge"])
DANA = PersonRef(id="P-DANA01", name="Dana Cole", brokerage="Lone Star Realty")
ELI = PersonRef(id="P-ELI001", name="Eli Moss")
RITA = PersonRef(id="P-RITA01", name="Rita Alvarez")


def board() -> DeskBoard:
    def row(ref: str, minutes_ago: int, **kw) -> BoardRow:
        kw.setdefault("kind", "appointment")
        kw.setdefault("status", "offered")
        return BoardRow(id=ref, created_at=NOW - timedelta(minutes=minutes_ago), **kw)

    return DeskBoard(
        server_time=NOW,
        appointments=[
            row("R-7F3K2Q", 4, phase="ranked", zip="78701", city="Austin", lead_type="home valuation",
                holder=DANA, deadline=NOW + timedelta(seconds=45), next_agent=ELI, passes=0),
            row("R-JWXT8X", 20, phase="ranked", zip="78704", city="Austin", lead_type="cash offer",
                holder=ELI, deadline=NOW + timedelta(minutes=4, seconds=10), next_agent=RITA, passes=2,
                expired=1),
            row("R-Q8M2ZD", 9, phase="open", zip="78745", city="Austin", lead_type="listing consult",
                offered_to=5, deadline=NOW + timedelta(minutes=21, seconds=3), passes=3),
            row("R-9HC4VN", 2, phase="waiting", zip="78613", city="Cedar Park", lead_type="home valuation"),
        ],
        unclaimed=[
            row("R-K2L9PX", 95, phase="unclaimed", status="unclaimed", zip="78702", city="Austin",
                lead_type="cash offer", passes=3, expired=1),
        ],
        active=[
            row("R-A1B2C3", 300, kind="active", status="working", phase="working", zip="78701",
                city="Austin", working=[DANA, RITA]),
            row("R-D4E5F6", 30, kind="active", status="new", phase="working", zip="78758", city="Austin"),
        ],
    )


def people() -> list[PersonProfile]:
    def person(pid: str, name: str, **kw) -> PersonProfile:
        base = dict(roles=["agent"], zips=["78701"], sponsor_zips=[], brokerage="Lone Star Realty",
                    office="Austin", rank=80.0, specializations=["residential"], languages=["English"],
                    years=6, paused=False)
        base.update(kw)
        return PersonProfile(id=pid, name=name, **base)

    return [
        person("P-DANA01", "Dana Cole", rank=92, zips=["78701", "78704"], sponsor_zips=["78704"]),
        person("P-DESK01", "Dee Desk", roles=["concierge"], zips=[], rank=0, brokerage="", office=""),
        person("P-ELI001", "Eli Moss", rank=75, brokerage="Hill Country Homes", languages=["English", "Spanish"]),
        person("P-RITA01", "Rita Alvarez", rank=60, paused=True, zips=["78745"]),
        person("P-VIC001", "Victor Hale", roles=["vendor"], zips=[], brokerage="Lone Star Title"),
    ]


def desk_app():
    return fixed_app({
        "desk.board": msgspec.to_builtins(board()),
        "team.people": {"people": msgspec.to_builtins(people())},
        "team.programs": {"programs": []},
        "team.networks": {"networks": []},
        "team.windows": {"windows": []},
        "export": {"what": "audit", "total": 0, "offset": 0},
    })


async def as_the_desk(pilot) -> None:
    session = pilot.app.session
    await pilot.pause()
    session.receive(HelloReceived(DESK, timedelta(0)))
    session.receive(LinkChanged("connected", DESK.name))
    session.receive(InboxLoaded(inbox()))
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_desk_board(snap_compare, size) -> None:
    async def open_board(pilot) -> None:
        await as_the_desk(pilot)
        await pilot.press("b")
        await pilot.pause(0.4)  # past the debounced refetch the hello and inbox asked for
        await pilot.pause()

    assert snap_compare(desk_app(), terminal_size=size, run_before=open_board)


def test_team_people(snap_compare) -> None:
    async def open_people(pilot) -> None:
        await as_the_desk(pilot)
        await pilot.press("t")
        await pilot.pause()
        await pilot.pause()
        await pilot.press("tab", "enter")  # from the search to the list; open Dana Cole
        await pilot.pause()
        await pilot.pause()

    assert snap_compare(desk_app(), terminal_size=(80, 24), run_before=open_people)
