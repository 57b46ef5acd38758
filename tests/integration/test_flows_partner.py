"""Partner referrals end to end, partner and vendor each in their own client: full contact for
the vendor, duplicate flags naming the earlier referral or customer, reject with a reason,
accept with its introduction-fee invoice (one, in the same transaction), archive."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from server.storage.models import Audit, Customer, Invoice
from tests.integration.conftest import snapshot
from tests.wire import connect, upsert_of


def prospect(company: str, email: str = "", phone: str = "", **more: Any) -> dict[str, Any]:
    return dict(kind="partner", program="PRG-INTRO", company=company, contact_person="Contact Person",
                contact_email=email, contact_phone=phone, title="CTO", notes="fits", **more)


async def invoice_rows(hub, ref_id: str) -> list[Invoice]:
    async with hub.db.read() as session:
        return list((await session.execute(select(Invoice).where(Invoice.referral_id == ref_id))).scalars())


async def test_partner_submission_duplicates_and_vendor_decisions(hub, wires):
    partner, partner_t = await hub.add_person(name="Pat Partner", roles=["partner"])
    other_partner, other_partner_t = await hub.add_person(name="Opal Otherpartner", roles=["partner"])
    vendor, vendor_t = await hub.add_person(name="Vic Vendor", roles=["vendor"])
    other_vendor, other_vendor_t = await hub.add_person(name="Val Othervendor", roles=["vendor"])
    agent, agent_t = await hub.add_person(name="Al Agent", zips=["78701"])
    await hub.add_program("PRG-INTRO", "Acme intro", vendor.id, fee_type="intro", fee_amount=500.0)
    await hub.add_program("PRG-PCT", "Acme percent", vendor.id, fee_type="percent", fee_amount=10.0)
    await hub.add_program("PRG-OTHER", "Other", other_vendor.id, fee_type="intro", fee_amount=100.0)
    async with hub.db.write_lock, hub.db.write_session() as session:
        session.add(Customer(program_id="PRG-INTRO", company="Umbrella Corp",
                             email="alice@umbrella.example", website="https://umbrella.example"))
    p = await connect(hub, partner_t, wires, "partner")
    v = await connect(hub, vendor_t, wires, "vendor")
    op = await connect(hub, other_partner_t, wires, "other_partner")
    ov = await connect(hub, other_vendor_t, wires, "other_vendor")
    ag = await connect(hub, agent_t, wires, "agent")

    async def submit(data: dict[str, Any]) -> dict[str, Any]:
        return (await p.ok("submit", referral=data))["referral"]

    a = await submit(prospect("Initech", "bill@initech.com", "512-555-0001"))
    assert a["status"] == "pending" and a["visibility"] == "full"
    assert a["contact_email"] == "bill@initech.com" and not a.get("duplicate_of")
    seen = await v.event_where(upsert_of(a["id"]))
    assert seen["data"]["contact_email"] == "bill@initech.com"
    assert seen["data"]["contact_phone"] == "512-555-0001"
    assert seen["data"]["contact_person"] == "Contact Person"
    assert set(seen["data"]["actions"]) >= {"accept", "reject", "archive"}
    b = await submit(prospect("Globex Inc", "hank@gmail.com", "512-555-0002"))
    assert not b.get("duplicate_of")

    cases = [
        (prospect("Totally Different Co", "BILL@initech.com"), a["id"], "same e-mail"),
        (prospect("Hooli", "gavin@hooli.example", "(512) 555-0002"), b["id"], "same phone"),
        (prospect("Pied Piper", "peter@initech.com"), a["id"], "same company domain (initech.com)"),
        (prospect("Globex, LLC", "ceo@globex-corp.example"), b["id"], "similar to 'Globex Inc'"),
        (prospect("Umbrella Holdings", "bob@umbrella.example"), "customer: Umbrella Corp",
         "already a customer"),
    ]
    for data, earlier, why in cases:
        view = await submit(data)
        assert view["duplicate_of"] == earlier, (data["company"], view)
        assert why in view["duplicate_reason"], view["duplicate_reason"]
        if not earlier.startswith("customer"):
            assert earlier in view["duplicate_reason"]
        vendor_view = (await v.ok("referral.get", id=view["id"]))["referral"]
        assert vendor_view["duplicate_of"] == earlier
    fresh = await submit(prospect("Stark Industries", "tony@stark.example", "212-555-0199"))
    assert not fresh.get("duplicate_of") and not fresh.get("duplicate_reason")
    # the same prospect in another program is not a duplicate there
    elsewhere = await submit({**prospect("Initech", "bill@initech.com"), "program": "PRG-OTHER"})
    assert not elsewhere.get("duplicate_of")

    # outsiders see none of it
    for wire in (op, ov, ag):
        assert (await wire.request("referral.get", id=a["id"]))["code"] == "not_found"
    assert (await op.ok("inbox"))["referrals"] == []
    assert [r["id"] for r in (await ov.ok("inbox"))["referrals"]] == [elsewhere["id"]]
    for wire in (p, op, ov, ag):
        frame = await wire.request("accept", id=a["id"])
        assert frame["type"] == "error" and frame["code"] in ("forbidden", "not_found"), frame

    # reject: a reason is required
    before = await snapshot(hub)
    err = await v.request("reject", id=b["id"])
    assert err["code"] == "reason_required"
    err = await v.request("reject", id=b["id"], reason="   ")
    assert err["code"] == "reason_required"
    assert await snapshot(hub) == before
    rejected = (await v.ok("reject", id=b["id"], reason="already in talks with them"))["referral"]
    assert rejected["status"] == "rejected" and rejected["actions"] == ["message"]
    pushed = await p.event_where(lambda f: upsert_of(b["id"])(f) and f["data"]["status"] == "rejected")
    assert pushed["data"]["status"] == "rejected"
    audit = (await p.ok("referral.get", id=b["id"]))["audit"]
    assert audit[-1]["to_status"] == "rejected" and audit[-1]["reason"] == "already in talks with them"
    assert (await v.request("accept", id=b["id"]))["code"] == "forbidden"

    # accept in an intro-fee program: exactly one invoice, in the same transaction; only through
    # `accept`, never a plain status move that would skip the invoice
    assert "accepted" not in (await v.ok("referral.get", id=a["id"]))["referral"]["moves"]
    before = await snapshot(hub)
    assert (await v.request("move", id=a["id"], to="accepted"))["code"] == "forbidden"
    assert await snapshot(hub) == before and await invoice_rows(hub, a["id"]) == []
    accepted = (await v.ok("accept", id=a["id"]))["referral"]
    assert accepted["status"] == "accepted"
    rows = await invoice_rows(hub, a["id"])
    assert len(rows) == 1 and rows[0].amount == 500.0 and rows[0].partner_id == partner.id
    async with hub.db.read() as session:
        entries = (await session.execute(select(Audit).where(Audit.referral_id == a["id"]))).scalars().all()
    at = {e.action: e.at for e in entries}
    assert at["accept"] == at["invoiced"] == rows[0].created_at
    for wire in (p, v):
        listed = (await wire.ok("invoices"))["invoices"]
        assert [(i["referral_id"], i["amount"], i["partner_id"]) for i in listed] == [
            (a["id"], 500.0, partner.id)
        ]
    for wire in (op, ov, ag):
        assert (await wire.ok("invoices"))["invoices"] == []
    again = await v.request("accept", id=a["id"])
    assert again["code"] in ("forbidden", "forbidden_move")
    assert len(await invoice_rows(hub, a["id"])) == 1

    # archive: accepted -> archived, and a pending one straight to archived
    assert (await v.ok("archive", id=a["id"]))["referral"]["status"] == "archived"
    assert len(await invoice_rows(hub, a["id"])) == 1
    assert (await v.ok("archive", id=fresh["id"]))["referral"]["status"] == "archived"
    assert (await v.request("archive", id=fresh["id"]))["code"] in ("forbidden", "forbidden_move")
    assert (await p.request("move", id=a["id"], to="pending"))["code"] in ("forbidden", "forbidden_move")

    # percent-fee program: accepting creates no invoice
    pct = (await p.ok("submit", referral={**prospect("Wayne Enterprises", "bruce@wayne.example"),
                                          "program": "PRG-PCT"}))["referral"]
    assert (await v.ok("accept", id=pct["id"]))["referral"]["status"] == "accepted"
    assert await invoice_rows(hub, pct["id"]) == []
    assert len((await p.ok("invoices"))["invoices"]) == 1
