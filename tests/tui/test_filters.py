"""The inbox filter and views (pure), and unread markers fed by the inbox snapshot."""

from __future__ import annotations

from datetime import timedelta, timezone

from tests.tui.sample import ME, NOW, inbox, referrals, sent_referral
from tui.app import make_app
from tui.filters import InboxFilter, in_view, matches
from tui.hub.messages import HelloReceived, InboxLoaded


def test_parse_and_match() -> None:
    query = InboxFilter.parse("kind:partner status:pending Austin")
    assert query.kinds == {"partner"} and query.statuses == {"pending"} and query.words == ("austin",)
    views = {v.id: v for v in referrals()}
    assert matches(InboxFilter.parse("round"), views["RAPPT03"])
    assert not matches(InboxFilter.parse("round"), views["RAPPT01"])
    assert matches(InboxFilter.parse("sam ortiz"), views["RAGENT4"])  # the sender
    assert matches(InboxFilter.parse("kind:appt status:awarded"), views["RAWARD6"])
    assert matches(InboxFilter.parse("78704"), views["RAGENT4"])
    assert InboxFilter.parse("").empty


def test_views() -> None:
    views = {v.id: v for v in referrals()}
    sent = sent_referral()
    assert in_view(sent, "outbound", ME.id) and not in_view(sent, "inbound", ME.id)
    assert in_view(views["RAGENT4"], "inbound", ME.id)
    assert not in_view(views["RAGENT4"], "archived", ME.id)


async def test_unread_counts_from_the_snapshot_show_next_to_the_client() -> None:
    app = make_app("ws://hub.test", "t", clock=lambda: NOW, tz=timezone.utc, connect=False,
                   watch_terminal=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        app.session.receive(HelloReceived(ME, timedelta(0)))
        data = inbox()
        data.unread = {"RAWARD6": 2}
        app.session.receive(InboxLoaded(data))
        await pilot.pause()
        assert app.inbox.table.get_cell("RAWARD6", "client").plain == "Ann Lee ✉ 2"
