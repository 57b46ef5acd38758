"""Partner submissions are checked for duplicates in the same program (docs/domain.md, "Partner referrals")."""

from __future__ import annotations

import pytest

from tests.integration.conftest import snapshot
from tests.wire import connect


@pytest.fixture
async def partner(hub, wires):
    vendor, vendor_t = await hub.add_person(name="Vera Vendor", roles=["vendor"])
    pat, pat_t = await hub.add_person(name="Pat Partner", roles=["partner"])
    await hub.add_program("PRG1", "Acme partners", vendor.id, fee_type="intro", fee_amount=500.0)
    await hub.add_program("PRG2", "Other program", vendor.id, fee_type="percent", fee_amount=10.0)
    wire = await connect(hub, pat_t, wires, "pat")

    async def submit(**fields):
        fields.setdefault("program", "PRG1")
        result = await wire.ok("submit", referral={"kind": "partner", **fields})
        return result["referral"]

    return submit


async def test_same_email_phone_or_company_domain_is_flagged(partner):
    first = await partner(company="Globex", contact_email="Hank@Globex.example",
                          contact_phone="+1 (415) 555-0199", website="https://www.globex.example/")
    assert first.get("duplicate_of", "") == ""
    same_email = await partner(company="Globex Corp", contact_email="hank@globex.example")
    same_phone = await partner(company="Hank Inc", contact_phone="415.555.0199")
    same_domain = await partner(company="Globex West", website="globex.example")
    for dup in (same_email, same_phone, same_domain):
        assert dup["duplicate_of"] == first["id"], dup
    other = await partner(company="Initech", contact_email="bill@initech.example", contact_phone="555-0000")
    assert other.get("duplicate_of", "") == ""
    elsewhere = await partner(company="Globex", contact_email="hank@globex.example", program="PRG2")
    assert elsewhere.get("duplicate_of", "") == ""  # another program: not a duplicate


async def test_free_mail_domain_is_not_a_company_domain(partner):
    """Two unrelated prospects whose contacts use gmail.com are not the same company."""
    await partner(company="Alpha Bakery", contact_email="alice.alpha@gmail.com", contact_phone="555-1111")
    second = await partner(company="Beta Plumbing", contact_email="bob.beta@gmail.com", contact_phone="555-2222")
    assert second.get("duplicate_of", "") == ""


async def test_partner_submission_needs_company_and_an_existing_program(hub, wires, partner):
    pat_wire = wires[-1]
    before = await snapshot(hub)
    missing = await pat_wire.request("submit", referral={"kind": "partner", "program": "PRG1"})
    assert missing["code"] == "bad_request" and "company" in missing["message"]
    nowhere = await pat_wire.request("submit", referral={"kind": "partner", "company": "X", "program": "NOPE"})
    assert nowhere["code"] == "not_found"
    wrong_role = await pat_wire.request("submit", referral={"kind": "appointment", "first_name": "A", "zip": "78701"})
    assert wrong_role["code"] == "forbidden"
    assert await snapshot(hub) == before
