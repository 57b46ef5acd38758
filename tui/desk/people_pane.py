"""The team screen's people: everyone on the hub, searched as the agent search does (fuzzy on
name, brokerage and office), and a form making the same changes as `triage agent set`: rank,
zip codes served and sponsored, specializations, languages, years, office, brokerage, roles,
pause (`team.person.set`; a change is checked whole, so a refusal changes nothing)."""

from __future__ import annotations

from typing import Any

from shared.protocol import PersonChanges, PersonProfile
from tui.desk.editor_pane import EditorPane
from tui.desk.form import Field, FieldError, parse_number, split_list, split_phrases
from tui.services import services

FIELDS = (
    Field("name", "Name"),
    Field("rank", "Rank", "rank score, e.g. 85"),
    Field("zips", "Zips served", "78701, 78704"),
    Field("sponsor_zips", "Sponsors", "zip codes sponsored, e.g. 78704"),
    Field("specializations", "Specialties", "residential, luxury"),
    Field("languages", "Languages", "English, Spanish"),
    Field("years", "Years", "years of experience"),
    Field("office", "Office", "the office's city"),
    Field("brokerage", "Brokerage"),
    Field("roles", "Roles", "agent, concierge, vendor, partner"),
    Field("paused", "Paused", kind="switch"),
)
LISTS = {"zips", "sponsor_zips", "roles"}  # items without spaces: commas or spaces between them
PHRASES = {"specializations", "languages"}  # items may hold spaces: commas between them


def person_label(person: PersonProfile) -> str:
    """ "Dana Cole · rank 92 · 78701 78704 · paused": who, then what routing uses."""
    zips = " ".join(person.zips[:3]) + (" …" if len(person.zips) > 3 else "")
    roles = "" if person.roles == ["agent"] else "/".join(person.roles)
    parts = [person.name, f"rank {person.rank:g}" if "agent" in person.roles else "", zips, roles,
             "paused" if person.paused else ""]
    return " · ".join(part for part in parts if part)


def person_values(person: PersonProfile | None) -> dict[str, Any]:
    if person is None:
        return {}
    return {
        "name": person.name, "rank": f"{person.rank:g}", "zips": ", ".join(person.zips),
        "sponsor_zips": ", ".join(person.sponsor_zips),
        "specializations": ", ".join(person.specializations), "languages": ", ".join(person.languages),
        "years": str(person.years), "office": person.office, "brokerage": person.brokerage,
        "roles": ", ".join(person.roles), "paused": person.paused,
    }


def person_changes(values: dict[str, Any], changed: set[str]) -> PersonChanges:
    """The fields edited, as the hub takes them; `FieldError` names one that cannot be sent."""
    out: dict[str, Any] = {}
    for key in changed:
        text = values[key]
        if key == "rank":
            out[key] = parse_number(key, text)
        elif key == "years":
            out[key] = int(parse_number(key, text, whole=True))
        elif key in LISTS:
            out[key] = split_list(text)
        elif key in PHRASES:
            out[key] = split_phrases(text)
        elif key == "paused":
            out[key] = bool(text)
        elif key == "name" and not text:
            raise FieldError(key, "a name, e.g. Dana Cole")
        else:
            out[key] = text
    return PersonChanges(**out)


class PeoplePane(EditorPane[PersonProfile]):
    FIELDS = FIELDS
    NOUN = "person"
    PLURAL = "people"
    CAN_ADD = False  # people join with `triage agent add`, which gives them their token
    SEARCH = True

    async def load(self) -> list[tuple[str, PersonProfile]]:
        people = await services(self).session.team_people()
        return [(person.id, person) for person in sorted(people, key=lambda p: p.name)]

    def label(self, item: PersonProfile) -> str:
        return person_label(item)

    def search_text(self, item: PersonProfile) -> str:
        return " ".join((item.name, item.brokerage, item.office, item.id))

    def form_values(self, item: PersonProfile | None) -> dict[str, Any]:
        return person_values(item)

    async def save_item(self, item_id: str | None, values: dict[str, Any],
                        changed: set[str]) -> tuple[str, PersonProfile]:
        assert item_id is not None  # no new people here
        person = await services(self).session.team_person_set(item_id, person_changes(values, changed))
        return person.id, person
