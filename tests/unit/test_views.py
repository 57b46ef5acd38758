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


@pytest.mark.parametrize("status", [Status.OFFERED, Status.AWARDED, Status.UNCLAIMED])
def test_an_appointments_audience_is_each_persons_own_view(status):
    """The audience of an appointment, worked out once per kind of viewer, is exactly what
    `viewer_of` gives each person: the sender, the receiver, concierges, open and closed offers."""
    from dataclasses import dataclass

    from server.views.visibility import RefFacts, audience, viewer_of
    from shared.domain import OfferPhase, OfferState

    @dataclass
    class Row:
        agent_id: str
        phase: str
        state: str
        offered_at: datetime = NOW
        deadline: datetime = NOW
        why: str = "open to all"

    ref = referral()
    ref.status, ref.receiver_id = status, "P-A1" if status == Status.AWARDED else None
    states = [OfferState.OPEN, OfferState.CLAIMED, OfferState.WITHDRAWN, OfferState.EXPIRED]
    offers = {f"P-A{i}": Row(f"P-A{i}", OfferPhase.OPEN, states[i % 4]) for i in range(12)}
    offers["P-C2"] = Row("P-C2", OfferPhase.RANKED, OfferState.OPEN)  # a concierge who is an agent
    facts = RefFacts(concierges={"P-C1", "P-C2", "P-S"}, offers=offers)
    expected = {}
    for person_id in facts.candidates(ref):
        viewer = viewer_of(ref, person_id, facts)
        if viewer is not None:
            expected[person_id] = viewer
    assert audience(ref, facts) == expected
    assert len(expected) >= 3
