"""Contact details leave the hub only towards the people docs/domain.md entitles, in pushed events and
in replies (inbox, referral.get, every write), across all four kinds of referral."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from server.storage.models import Audit
from tests.wire import Wire, connect, removed_of, upsert_of

CONTACT = ("email", "phone", "street", "contact_email", "contact_phone")

APPT = {"email": "appt.client@example.com", "phone": "512-555-1001", "street": "1001 Appointment St"}
ACTIVE = {"email": "active.client@example.com", "phone": "512-555-2002", "street": "2002 Active Ave"}
AGENT = {"email": "agentref.client@example.com", "phone": "512-555-3003", "street": "3003 Agent Rd"}
PARTNER = {"contact_email": "boss@prospect.example", "contact_phone": "512-555-4004"}


def views_in(frame: dict[str, Any]) -> list[dict[str, Any]]:
    """Every referral view inside a frame, wherever it sits."""
    found = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "kind" in node and "visibility" in node and "id" in node:
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(frame)
    return found


async def test_contact_reaches_only_entitled_people(hub, wires):
    desk, desk_t = await hub.add_person(name="Desk", roles=["concierge"])
    a1, a1_t = await hub.add_person(name="Ann First", zips=["78701"], rank_score=90)
    a2, a2_t = await hub.add_person(name="Abe Second", zips=["78701"], rank_score=80)
    sponsor, sponsor_t = await hub.add_person(name="Sam Sponsor", sponsor_zips=["78702"])
    plain, plain_t = await hub.add_person(name="Nia Nonsponsor", zips=["78702"])
    sender, sender_t = await hub.add_person(name="Xavier Sender", zips=["78703"])
    receiver, receiver_t = await hub.add_person(name="Rita Receiver", zips=["78704"])
    partner, partner_t = await hub.add_person(name="Pat Partner", roles=["partner"])
    vendor, vendor_t = await hub.add_person(name="Vera Vendor", roles=["vendor"])
    outsider, outsider_t = await hub.add_person(name="Otto Outsider", zips=["99999"])
    await hub.add_program("PRG1", "Acme CRM partners", vendor.id, fee_type="intro", fee_amount=500.0)

    tokens = {"desk": desk_t, "a1": a1_t, "a2": a2_t, "sponsor": sponsor_t, "plain": plain_t,
              "sender": sender_t, "receiver": receiver_t, "partner": partner_t, "vendor": vendor_t,
              "outsider": outsider_t}
    w: dict[str, Wire] = {}
    for label, token in tokens.items():
        w[label] = await connect(hub, token, wires, label)

    # 1. appointment: offered to Ann (area only), Ann passes, Abe is offered it and claims it
    appt = (await w["desk"].ok("submit", referral={
        "kind": "appointment", "first_name": "Carla", "last_name": "Diaz", "city": "Austin",
        "zip": "78701", "lead_type": "home valuation", **APPT}))["referral"]
    assert appt["email"] == APPT["email"]  # the concierge who set it sees it whole
    appt_id = appt["id"]
    offer = await w["a1"].event_where(upsert_of(appt_id))
    assert offer["data"]["visibility"] == "area_only" and "client_name" not in offer["data"]
    await w["a1"].ok("inbox")
    await w["a1"].ok("referral.get", id=appt_id)
    await w["a1"].ok("pass", id=appt_id, reason="busy")
    await w["a2"].event_where(upsert_of(appt_id))
    await w["a2"].ok("inbox")
    await w["a2"].ok("referral.get", id=appt_id)
    claim_cut = len(w["a2"].frames)
    claimed = await w["a2"].ok("claim", id=appt_id)
    assert claimed["referral"]["visibility"] == "full"
    assert {k: claimed["referral"][k] for k in APPT} == APPT

    # 2. active lead in 78702: name and address to Nia, phone and e-mail to the sponsor too
    active = (await w["desk"].ok("submit", referral={
        "kind": "active", "first_name": "Dora", "last_name": "Lane", "city": "Austin", "zip": "78702",
        **ACTIVE}))["referral"]
    active_id = active["id"]
    seen_plain = await w["plain"].event_where(upsert_of(active_id))
    assert seen_plain["data"]["visibility"] == "name_address"
    assert seen_plain["data"]["street"] == ACTIVE["street"]
    assert seen_plain["data"]["client_name"] == "Dora Lane"
    seen_sponsor = await w["sponsor"].event_where(upsert_of(active_id))
    assert seen_sponsor["data"]["visibility"] == "full" and seen_sponsor["data"]["phone"] == ACTIVE["phone"]
    await w["plain"].ok("referral.get", id=active_id)
    await w["plain"].ok("inbox")
    # Nia takes it: she still gets no phone or e-mail, and the sponsor loses it
    taken = await w["plain"].ok("work", id=active_id)
    assert taken["referral"]["status"] == "working"
    await w["sponsor"].event_where(removed_of(active_id))

    # 3. private agent referral: Rita sees a masked view, before and after expressing interest
    agent_ref = (await w["sender"].ok("submit", referral={
        "kind": "agent", "mode": "private", "receivers": [receiver.id], "first_name": "Eli",
        "last_name": "Moss", "city": "Dallas", "zip": "75201", "price_min": 400000,
        "price_max": 500000, "notes": "relocating in spring", **AGENT}))["referral"]
    agent_id = agent_ref["id"]
    masked = await w["receiver"].event_where(upsert_of(agent_id))
    assert masked["data"]["visibility"] == "masked" and masked["data"]["client_name"] == "Eli M."
    assert "interest" in masked["data"]["actions"]
    interested = await w["receiver"].ok("interest", id=agent_id)
    assert interested["referral"]["status"] == "accepted"
    await w["receiver"].ok("referral.get", id=agent_id)
    await w["sender"].event_where(lambda f: upsert_of(agent_id)(f) and f["data"]["status"] == "accepted")

    # 4. partner referral to the vendor's program: the partner and the vendor see the contact
    partner_ref = (await w["partner"].ok("submit", referral={
        "kind": "partner", "program": "PRG1", "company": "Prospect Inc", "contact_person": "Bo Boss",
        "title": "CEO", "website": "prospect.example", "notes": "needs a CRM", **PARTNER}))["referral"]
    partner_id = partner_ref["id"]
    at_vendor = await w["vendor"].event_where(upsert_of(partner_id))
    assert at_vendor["data"]["contact_email"] == PARTNER["contact_email"]
    await w["vendor"].ok("accept", id=partner_id)

    # Everyone asks for their inbox and for every referral by id.
    ids = [appt_id, active_id, agent_id, partner_id]
    for wire in w.values():
        await wire.ok("inbox")
        for ref_id in ids:
            frame = await wire.request("referral.get", id=ref_id)
            assert frame["type"] in ("reply", "error")

    # ---- what reached whom
    allowed: dict[str, dict[str, set[str]]] = {  # secret value -> labels entitled to it
        **{v: {"desk", "a2"} for v in APPT.values()},
        ACTIVE["street"]: {"desk", "sponsor", "plain"},
        ACTIVE["email"]: {"desk", "sponsor"},
        ACTIVE["phone"]: {"desk", "sponsor"},
        **{v: {"sender"} for v in AGENT.values()},
        **{v: {"partner", "vendor"} for v in PARTNER.values()},
    }
    received: dict[str, set[str]] = {secret: set() for secret in allowed}
    for label, wire in w.items():
        for index, raw in enumerate(wire.frames):
            for secret, entitled in allowed.items():
                if secret not in raw:
                    continue
                received[secret].add(label)
                assert label in entitled, f"{secret!r} leaked to {label}: {raw}"
                if label == "a2" and secret in APPT.values():
                    assert index >= claim_cut, f"Abe saw {secret!r} before claiming: {raw}"
            # field by field, too: a view carries only the contact fields its reader may have
            for view in views_in(json.loads(raw)):
                present = {f for f in CONTACT if view.get(f)}
                if view["visibility"] == "full":
                    continue
                if view["visibility"] == "name_address":
                    assert present <= {"street"}, (label, view)
                else:
                    assert present == set(), (label, view)
    # and everyone entitled did receive what they are entitled to
    for secret, entitled in allowed.items():
        assert received[secret] == entitled, (secret, received[secret], entitled)
    assert not any(raw for raw in w["outsider"].frames if any(s in raw for s in allowed))
    # the agent referral was never awarded: its receiver never saw the client's full name either
    assert not any("Moss" in raw for raw in w["receiver"].frames)

    # each reveal to someone other than the referral's owner is in the audit log
    async with hub.db.read() as session:
        reveals = set((await session.execute(
            select(Audit.referral_id, Audit.actor_id).where(Audit.action == "contact_revealed")
        )).all())
    assert reveals == {(appt_id, a2.id), (active_id, sponsor.id)}
