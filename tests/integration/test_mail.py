"""E-mail notifications against a real SMTP server (aiosmtpd) on loopback: a new offer and a new
message reach the people who asked for them and no one else; an unreachable mail server leaves the
hub working."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller

from server.events.mail import SmtpSettings
from server.hub import Hub
from shared.protocol import ReferralInput
from tests.wire import Wire, connect, upsert_of, wait_until


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Inbox:
    def __init__(self) -> None:
        self.received: list[tuple[list[str], object]] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        self.received.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


async def wait_for_mail(inbox: Inbox, count: int) -> None:
    await wait_until(lambda: len(inbox.received) >= count, what=f"{count} mails, got {inbox.received}")


APPOINTMENT = ReferralInput(
    kind="appointment", first_name="Carla", last_name="Diaz", email="carla@example.com",
    phone="512-555-0100", street="12 Rainey St", city="Austin", zip="78701", lead_type="cash offer",
)


async def test_offer_and_message_mails_reach_who_asked(make_hub, smtp, wires: list[Wire]) -> None:
    inbox, port = smtp
    hub: Hub = await make_hub(smtp=SmtpSettings(host="127.0.0.1", port=port, sender="hub@triage.test"))
    desk, desk_token = await hub.add_person(name="Desk", roles=["concierge"])
    _, ann_token = await hub.add_person(name="Ann", zips=["78701"], rank_score=90)
    _, bob_token = await hub.add_person(name="Bob", zips=["78701"], rank_score=10)
    ann = await connect(hub, ann_token, wires)
    bob = await connect(hub, bob_token, wires)
    prefs = await ann.ok("notifications.set", email="ann@agents.test", offers=True, messages=True)
    assert prefs == {"email": "ann@agents.test", "offers": True, "messages": True, "mail_enabled": True}
    await bob.ok("notifications.set", email="bob@agents.test")  # an address, but no e-mails wanted

    ref_id = await hub.submit(desk.id, APPOINTMENT)
    await wait_for_mail(inbox, 1)
    to, mail = inbox.received[0]
    assert to == ["ann@agents.test"]
    assert ref_id in mail["Subject"] and mail["From"] == "hub@triage.test"
    body = mail.get_payload()
    for contact in ("carla@example.com", "512-555-0100", "12 Rainey St", "Diaz"):
        assert contact not in body  # an offer is area-only until claimed

    await ann.ok("claim", id=ref_id)
    desk_wire = await connect(hub, desk_token, wires)
    await desk_wire.ok("thread.send", id=ref_id, body="Carla prefers mornings")
    await wait_for_mail(inbox, 2)
    to, mail = inbox.received[1]
    assert to == ["ann@agents.test"] and "Carla prefers mornings" in mail.get_payload()
    # Bob asked for none; the desk wrote the message itself. The hub sends its mails one at a
    # time in the order they were queued, so a later mail to Ann arriving third proves no other
    # mail was on its way.
    await desk_wire.ok("thread.send", id=ref_id, body="and she has a dog")
    await wait_for_mail(inbox, 3)
    assert [to for to, _ in inbox.received] == [["ann@agents.test"]] * 3
    assert "and she has a dog" in inbox.received[2][1].get_payload()


async def test_an_unreachable_mail_server_leaves_the_hub_working(
    make_hub, wires: list[Wire], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="triage.mail")
    hub: Hub = await make_hub(smtp=SmtpSettings(host="127.0.0.1", port=free_port(), timeout=2))
    desk, _ = await hub.add_person(name="Desk", roles=["concierge"])
    _, token = await hub.add_person(name="Ann", zips=["78701"])
    ann = await connect(hub, token, wires)
    await ann.ok("notifications.set", email="ann@agents.test", offers=True)
    ref_id = await hub.submit(desk.id, APPOINTMENT)
    await ann.event_where(upsert_of(ref_id))
    claimed = await ann.ok("claim", id=ref_id)
    assert claimed["referral"]["email"] == "carla@example.com"

    def mail_lines() -> list[str]:
        return [r.getMessage() for r in caplog.records if r.name == "triage.mail"]

    await wait_until(mail_lines, what="the mailer's warning")  # the attempt failed and was logged
    assert hub.mailer.failed == 1 and hub.mailer.sent == 0
    lines = mail_lines()
    assert lines[0].startswith("could not mail the offer notification for P-")
    assert "ann@agents.test" not in " ".join(lines)


async def test_preferences_are_checked(hub: Hub, wires: list[Wire]) -> None:
    _, token = await hub.add_person(name="Ann", zips=["78701"])
    ann = await connect(hub, token, wires)
    assert (await ann.request("notifications.set", email="not-an-address"))["code"] == "bad_request"
    assert (await ann.request("notifications.set", offers=True))["code"] == "bad_request"  # no address
    assert await ann.ok("notifications.get") == {
        "email": "", "offers": False, "messages": False, "mail_enabled": False,
    }
