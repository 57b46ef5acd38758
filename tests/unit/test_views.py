"""Masking: what each visibility level lets out of the hub (docs/domain.md, "Who sees the client's contact")."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from server.storage.models import Referral
from server.views.masking import full_fields, render
from server.views.visibility import Viewer
from shared.domain import CONTACT_FIELDS, Kind, Status, Visibility
from shared.lifecycle import Party
from shared.protocol import PersonRef, encoder

NOW = datetime(2025, 3, 12, 15, 0, tzinfo=timezone.utc)

SECRETS = {
    "email": "carla.diaz@example.com",
    "phone": "512-555-0101",
    "street": "1200 Congress Ave",
    "contact_email": "ceo@acme.example",
    "contact_phone": "415-555-0199",
}


def referral(kind: Kind = Kind.APPOINTMENT) -> Referral:
    return Referral(
        id="R-TEST01", kind=kind, status=Status.OFFERED, sender_id="P-S", first_name="Carla",
        last_name="Diaz", city="Austin", state="TX", zip="78701", price_min=300000,
        price_max=450000, timeframe="3 months", intent="buy", notes="prefers texts",
        lead_type="home valuation", company="Acme", contact_person="Wile Coyote", title="CEO",
        website="acme.example", created_at=NOW, updated_at=NOW, **SECRETS,
    )


def view(visibility: Visibility, kind: Kind = Kind.APPOINTMENT) -> dict:
    ref = referral(kind)
    fields = full_fields(ref, {"P-S": PersonRef(id="P-S", name="Sender")})
    rendered = render(fields, ref, Viewer("P-V", visibility, frozenset({Party.CANDIDATE})))
    return {"obj": rendered, "json": encoder.encode(rendered).decode()}


@pytest.mark.parametrize("visibility", [Visibility.AREA_ONLY, Visibility.MASKED])
def test_no_contact_at_all(visibility):
    v = view(visibility)
    for name in CONTACT_FIELDS:
        assert getattr(v["obj"], name) == "", name
    for secret in SECRETS.values():
        assert secret not in v["json"]
    assert "Wile Coyote" not in v["json"]


def test_name_address_has_street_but_no_phone_or_email():
    v = view(Visibility.NAME_ADDRESS, Kind.ACTIVE)
    assert v["obj"].street == SECRETS["street"]
    assert v["obj"].client_name == "Carla Diaz"
    for name in ("email", "phone", "contact_email", "contact_phone"):
        assert getattr(v["obj"], name) == ""
        assert SECRETS[name] not in v["json"]


def test_full_has_every_contact_field():
    v = view(Visibility.FULL, Kind.PARTNER)
    for name, value in SECRETS.items():
        assert getattr(v["obj"], name) == value
    assert v["obj"].contact_person == "Wile Coyote"
    assert v["obj"].client_name == "Carla Diaz"


def test_masked_name_is_first_name_and_last_initial():
    v = view(Visibility.MASKED, Kind.AGENT)
    assert v["obj"].client_name == "Carla D."
    assert "Diaz" not in v["json"]
    # the masked view keeps what docs/domain.md lists
    obj = v["obj"]
    assert (obj.city, obj.zip, obj.price_min, obj.price_max) == ("Austin", "78701", 300000, 450000)
    assert (obj.timeframe, obj.intent, obj.notes) == ("3 months", "buy", "prefers texts")


def test_area_only_has_no_client_name_and_only_area_lead_type_and_time():
    v = view(Visibility.AREA_ONLY)
    obj = v["obj"]
    assert obj.client_name == ""
    assert "Carla" not in v["json"] and "Diaz" not in v["json"]
    assert (obj.city, obj.zip, obj.lead_type) == ("Austin", "78701", "home valuation")
    assert obj.price_min is None and obj.notes == "" and obj.intent == ""


def test_masked_name_without_last_name():
    ref = referral(Kind.AGENT)
    ref.last_name = ""
    rendered = render(full_fields(ref, {}), ref, Viewer("P-V", Visibility.MASKED, frozenset()))
    assert rendered.client_name == "Carla"
