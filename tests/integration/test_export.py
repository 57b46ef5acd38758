"""The `export` op: pages of exactly what each person sees in the app (inbox, referral.get,
invoices), masked the same way; no contact towards anyone not entitled to it."""

from __future__ import annotations

import json
from typing import Any

from tests.wire import connect

CONTACT = dict(email="zoe.quinn@example.com", phone="303-555-0101", street="9 Elm St")
AGENT_CLIENT = dict(kind="agent", first_name="Zoe", last_name="Quinn", city="Denver", state="CO",
                    zip="80202", intent="buy", fee_percent=25, **CONTACT)
ACTIVE = dict(kind="active", first_name="Luis", last_name="Ortega", email="luis@example.com",
              phone="303-555-0199", street="1550 Larimer St", city="Denver", state="CO", zip="80202")
APPOINTMENT = dict(kind="appointment", first_name="Dana", last_name="White", email="dana@example.com",
                   phone="512-555-0142", street="1 Congress Ave", city="Austin", zip="78701")


async def export_all(wire, what: str, limit: int = 2, **args: Any) -> tuple[list[dict[str, Any]], list[int]]:
    """Every row, page by page; also the totals each page announced."""
    rows: list[dict[str, Any]] = []
    totals: list[int] = []
    while True:
        page = await wire.ok("export", what=what, offset=len(rows), limit=limit, **args)
        assert page["what"] == what and page["offset"] == len(rows)
        assert len(page[what]) <= limit
        rows.extend(page[what])
        totals.append(page["total"])
        if len(rows) >= page["total"]:
            return rows, totals


async def world(hub, wires) -> dict[str, Any]:
    desk, desk_t = await hub.add_person(name="Desk", roles=["concierge"])
    s, s_t = await hub.add_person(name="Sam Sender", zips=["78702"])
    b, b_t = await hub.add_person(name="Bea Winner", zips=["80202"], sponsor_zips=["80202"])
    c, c_t = await hub.add_person(name="Cal Asked", zips=["80203"])
    e, e_t = await hub.add_person(name="Eve Zip", zips=["80202"])
    d, d_t = await hub.add_person(name="Dan Offered", zips=["78701"])
    v, v_t = await hub.add_person(name="Vera Vendor", roles=["vendor"])
    p, p_t = await hub.add_person(name="Pat Partner", roles=["partner"])
    await hub.add_program("PRG-X", "Roofing", v.id, fee_type="intro", fee_amount=250.0)
    w = {label: await connect(hub, t, wires, label) for label, t in (
        ("desk", desk_t), ("s", s_t), ("b", b_t), ("c", c_t), ("e", e_t), ("d", d_t), ("v", v_t), ("p", p_t))}
    won = (await w["s"].ok("submit", referral={**AGENT_CLIENT, "mode": "private", "receivers": [b.id, c.id]}))
    won = won["referral"]["id"]
    await w["b"].ok("interest", id=won)
    await w["s"].ok("pick", id=won, receiver=b.id)
    await w["b"].ok("sign", id=won, fee_percent=25)
    await w["s"].ok("sign", id=won, fee_percent=25)
    asked = (await w["s"].ok("submit", referral={**AGENT_CLIENT, "mode": "private", "receivers": [c.id]}))
    await w["desk"].ok("submit", referral=ACTIVE)
    await w["desk"].ok("submit", referral=APPOINTMENT)
    for company in ("Acme", "Bolt"):
        pr = (await w["p"].ok("submit", referral={"kind": "partner", "program": "PRG-X", "company": company,
                                                  "contact_email": f"ceo@{company.lower()}.test"}))
        await w["v"].ok("accept", id=pr["referral"]["id"])
    return dict(w=w, won=won, asked=asked["referral"]["id"])


async def test_export_referrals_is_the_inbox(hub, wires):
    x = await world(hub, wires)
    for label, wire in x["w"].items():
        inbox = (await wire.ok("inbox"))["referrals"]
        rows, totals = await export_all(wire, "referrals")
        assert set(totals) == {len(inbox)}, label
        assert sorted(rows, key=lambda r: r["id"]) == sorted(inbox, key=lambda r: r["id"]), label
        assert [r["created_at"] for r in rows] == sorted(r["created_at"] for r in rows)
        for row in rows:  # the same view referral.get gives
            assert row == (await wire.ok("referral.get", id=row["id"]))["referral"], (label, row["id"])
    by = {label: {r["id"]: r for r in (await export_all(wire, "referrals", 100))[0]}
          for label, wire in x["w"].items()}
    assert by["b"][x["won"]]["email"] == CONTACT["email"]  # the awarded receiver: full
    assert by["c"][x["asked"]]["visibility"] == "masked" and x["won"] not in by["c"]
    assert by["e"] and all(r["visibility"] == "name_address" for r in by["e"].values())
    assert "phone" not in next(iter(by["e"].values())) and by["b"]  # Eve does not sponsor 80202
    assert [r["visibility"] for r in by["d"].values()] == ["area_only"]


async def test_no_contact_to_the_unentitled(hub, wires):
    x = await world(hub, wires)
    for label in ("c", "e", "d"):
        wire = x["w"][label]
        before = len(wire.frames)
        for what in ("referrals", "audit", "invoices"):
            await export_all(wire, what, 1)
        raw = "".join(wire.frames[before:])
        for value in CONTACT.values():
            assert value not in raw, (label, value)
        assert "303-555-0199" not in raw and "luis@example.com" not in raw  # Eve: no sponsor
        assert "dana@example.com" not in raw and "512-555-0142" not in raw


async def test_export_audit_is_what_referral_get_shows(hub, wires):
    x = await world(hub, wires)
    for label, wire in x["w"].items():
        rows, _ = await export_all(wire, "audit", 3)
        visible = [r["id"] for r in (await wire.ok("inbox"))["referrals"]]
        assert {r["referral_id"] for r in rows} <= set(visible)
        for ref_id in visible:
            shown = (await wire.ok("referral.get", id=ref_id))["audit"]
            exported = [{k: v for k, v in r.items() if k != "referral_id"}
                        for r in rows if r["referral_id"] == ref_id]
            assert exported == shown, (label, ref_id)
    c_rows, _ = await export_all(x["w"]["c"], "audit", 50)
    assert not any(r["action"] == "contact_revealed" for r in c_rows)
    assert any(r["action"] == "contact_revealed" for r in (await export_all(x["w"]["b"], "audit", 50))[0])


async def test_export_invoices_and_since(hub, wires):
    x = await world(hub, wires)
    for label in ("p", "v"):
        listed = (await x["w"][label].ok("invoices"))["invoices"]
        rows, totals = await export_all(x["w"][label], "invoices", 1)
        assert len(rows) == 2 and rows == listed and totals == [2, 2]
    for label in ("s", "b", "desk"):
        assert (await export_all(x["w"][label], "invoices"))[0] == []
    later = hub.now().isoformat()
    page = await x["w"]["p"].ok("export", what="invoices", since=later)
    assert page["total"] == 0 and page["invoices"] == []
    page = await x["w"]["s"].ok("export", what="referrals", since=later)
    assert page["total"] == 0
    bad = await x["w"]["s"].request("export", what="secrets")
    assert bad["type"] == "error" and bad["code"] == "bad_request"
    json.dumps(bad)
