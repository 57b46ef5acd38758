"""Pictures of the inbox with a fixed clock and fixed data, fed through the hub session's messages.

Regenerate with `pytest tests/tui --snapshot-update`, then look at tests/tui/__snapshots__/.
"""

from __future__ import annotations

from datetime import timedelta, timezone
from typing import Any

import pytest

from shared.protocol import AuditEntry
from tests.tui.conftest import AnsweringSession
from tests.tui.sample import ME, NOW, inbox
from tui.app import TriageApp, make_app
from tui.hub.messages import HelloReceived, InboxLoaded, LinkChanged

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]


def fixed_app(answers: dict[str, Any] | None = None, **options: Any) -> TriageApp:
    """The app on a fixed clock, not connected; with `answers`, its session answers those ops."""
    session = AnsweringSession(answers, clock=lambda: NOW) if answers is not None else None
    return make_app("ws://hub.test:8765", "token", clock=lambda: NOW, session=session,
                    tz=timezone.utc, connect=False, watch_terminal=False, **options)


async def load(pilot) -> None:
    """What a connection would bring: hello, connected, the inbox (through the session)."""
    session = pilot.app.session
    await pilot.pause()  # let the screen mount, as a real connection would
    session.receive(HelloReceived(ME, timedelta(0)))
    session.receive(LinkChanged("connected", ME.name))
    session.receive(InboxLoaded(inbox()))
    await pilot.pause()
    pilot.app.inbox.tick()
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_inbox(snap_compare, size) -> None:
    assert snap_compare(fixed_app(), terminal_size=size, run_before=load)


@pytest.mark.parametrize("size", SIZES)
def test_detail_of_a_masked_agent_referral(snap_compare, size) -> None:
    async def open_detail(pilot) -> None:
        await load(pilot)
        await pilot.press("j", "j", "j", "j")  # the agent referral (masked)
        await pilot.press("enter")
        await pilot.pause()
        pane = pilot.app.inbox.detail
        audit = [AuditEntry(at=NOW - timedelta(hours=2), actor="Sam Ortiz", action="sent",
                            from_status="draft", to_status="new", reason="")]
        pane.show(pane.referral, audit)
        await pilot.pause()

    assert snap_compare(fixed_app(), terminal_size=size, run_before=open_detail)


def test_detail_of_a_claimed_appointment(snap_compare) -> None:
    async def open_detail(pilot) -> None:
        await load(pilot)
        await pilot.press(*"jjjjj")  # the last row: an appointment Dana claimed
        await pilot.press("enter")
        await pilot.pause()

    assert snap_compare(fixed_app(), terminal_size=(160, 48), run_before=open_detail)


def test_reason_modal(snap_compare) -> None:
    async def reject(pilot) -> None:
        await load(pilot)
        await pilot.press("j", "j", "j", "j")  # the agent referral: decline asks for a reason
        await pilot.press("r")
        await pilot.pause()
        await pilot.press(*"already full")
        await pilot.pause()

    assert snap_compare(fixed_app(), terminal_size=(80, 24), run_before=reject)



def test_keys_screen(snap_compare) -> None:
    async def keys(pilot) -> None:
        await load(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(fixed_app(), terminal_size=(80, 24), run_before=keys)


def test_detail_open_at_120_columns(snap_compare) -> None:
    async def open_detail(pilot) -> None:
        await load(pilot)
        await pilot.press("enter")  # the first row: Round Rock, 0:42 left
        await pilot.pause()

    assert snap_compare(fixed_app(), terminal_size=(120, 40), run_before=open_detail)
