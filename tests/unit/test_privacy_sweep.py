"""The privacy sweep itself catches a leak, so a green integration suite means something."""

from __future__ import annotations

import json

from tests.integration.privacy_sweep import violations


def frame(data: dict) -> str:
    return json.dumps({"type": "event", "seq": 1, "name": "referral.upsert", "at": "x", "data": data})


def test_contact_in_a_masked_view_is_caught() -> None:
    leak = frame({"id": "R-1", "kind": "agent", "visibility": "masked", "phone": "512-555-0100"})
    assert violations([leak]) and "phone" in violations([leak])[0]


def test_phone_in_a_name_and_address_view_is_caught_but_street_is_allowed() -> None:
    street = frame({"id": "R-2", "visibility": "name_address", "street": "1 Main St"})
    phone = frame({"id": "R-2", "visibility": "name_address", "street": "1 Main St", "phone": "1"})
    assert violations([street]) == [] and violations([phone])


def test_contact_outside_a_view_is_caught_and_full_views_pass() -> None:
    outside = json.dumps({"type": "error", "code": "x", "message": "m", "details": {"email": "a@b.c"}})
    full = frame({"id": "R-3", "visibility": "full", "email": "a@b.c", "phone": "1", "street": "s"})
    own = json.dumps({"type": "reply", "id": "1", "result": {"email": "me@x.y", "mail_enabled": True}})
    assert violations([outside]) and violations([full, own]) == []
