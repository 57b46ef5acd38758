"""The privacy sweep: every frame any test client received, in every integration test, is
checked against the masking rules. A referral view may carry contact fields only at a visibility
that allows them; contact never travels outside a referral view."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

ALLOWED_CONTACT = {
    "full": {"email", "phone", "street", "contact_email", "contact_phone"},
    "name_address": {"street"},
    "masked": set(),
    "area_only": set(),
}
CONTACT = {"email", "phone", "street", "contact_email", "contact_phone"}
# The only non-referral objects with an `email`: a person's own notification preferences.
OWN_EMAIL_KEYS = {"mail_enabled"}


def objects_in(value: Any) -> Iterator[dict[str, Any]]:
    """Every object (dict) anywhere in a decoded frame, outermost first."""
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from objects_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from objects_in(item)


def violations(raw_frames: list[str]) -> list[str]:
    """What in these frames breaks the masking rules (empty when nothing does)."""
    found = []
    for raw in raw_frames:
        frame = json.loads(raw)
        for obj in objects_in(frame):
            present = {k for k in CONTACT if obj.get(k)}
            if not present:
                continue
            visibility = obj.get("visibility")
            if visibility is None:
                if OWN_EMAIL_KEYS & obj.keys() and present == {"email"}:
                    continue
                found.append(f"contact {sorted(present)} outside a referral view: {raw[:200]}")
            elif present - ALLOWED_CONTACT.get(visibility, set()):
                found.append(
                    f"{sorted(present - ALLOWED_CONTACT[visibility])} in a {visibility} view "
                    f"of {obj.get('id')}: {raw[:200]}"
                )
    return found
