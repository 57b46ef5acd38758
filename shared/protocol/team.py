"""Running a team: the changes the desk (or the hub host's command line) makes to people,
programs, network groups and claim windows, and how they read back."""

from __future__ import annotations

from typing import Literal

import msgspec

UNSET = msgspec.UNSET
FeeType = Literal["intro", "percent"]


class PersonChanges(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """What to change of a person; a field left out stays as it is. Lists replace the whole
    list (`zips` served, `sponsor_zips` among them or added to them)."""

    rank: float | msgspec.UnsetType = UNSET
    zips: list[str] | msgspec.UnsetType = UNSET
    sponsor_zips: list[str] | msgspec.UnsetType = UNSET
    specializations: list[str] | msgspec.UnsetType = UNSET
    languages: list[str] | msgspec.UnsetType = UNSET
    years: int | msgspec.UnsetType = UNSET
    office: str | msgspec.UnsetType = UNSET  # the office's city
    brokerage: str | msgspec.UnsetType = UNSET
    roles: list[str] | msgspec.UnsetType = UNSET
    paused: bool | msgspec.UnsetType = UNSET
    name: str | msgspec.UnsetType = UNSET


class TeamChanged(msgspec.Struct, kw_only=True):
    """Pushed to the desk, and to the people a change concerns, when the team changes: a desk's
    screens fetch again what they show; `reason` is the audit entry's (what changed from what)."""

    what: Literal["person", "program", "network", "window"]
    id: str  # the person's, program's or group's id, or `area:` and the zip code or prefix
    action: str  # the audit action: person_changed, program_added, ...
    reason: str


class PersonProfile(msgspec.Struct, kw_only=True):
    """A person as the desk manages them."""

    id: str
    name: str
    roles: list[str]
    zips: list[str]
    sponsor_zips: list[str]
    brokerage: str
    office: str
    rank: float
    specializations: list[str]
    languages: list[str]
    years: int
    paused: bool
    live_tokens: int = 0


class ProgramTerms(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """A program's terms to set; a field left out stays as it is (`claim_window_seconds`
    null: the hub's default)."""

    name: str | msgspec.UnsetType = UNSET
    vendor: str | msgspec.UnsetType = UNSET
    fee_type: FeeType | msgspec.UnsetType = UNSET
    fee_amount: float | msgspec.UnsetType = UNSET
    claim_window_seconds: int | None | msgspec.UnsetType = UNSET


class ProgramView(msgspec.Struct, kw_only=True):
    id: str
    name: str
    vendor_id: str
    vendor_name: str
    fee_type: FeeType
    fee_amount: float
    claim_window_seconds: int | None


class NetworkView(msgspec.Struct, kw_only=True):
    id: str
    name: str
    owner_id: str
    owner_name: str
    members: list[str]  # person ids, in id order


class AreaWindowView(msgspec.Struct, kw_only=True):
    area: str  # a zip code or a prefix of one
    claim_window_seconds: int


# ---------------------------------------------------------------- the desk's operations


class PersonSetArgs(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    changes: PersonChanges


class ProgramAddArgs(msgspec.Struct, forbid_unknown_fields=True):
    terms: ProgramTerms
    id: str | None = None  # default: a new PRG-... id


class ProgramSetArgs(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    terms: ProgramTerms


class NetworkAddArgs(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    owner: str
    members: list[str]


class NetworkSetArgs(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    name: str | None = None
    owner: str | None = None
    members: list[str] | None = None  # the whole list
    add: list[str] = []
    remove: list[str] = []


class WindowSetArgs(msgspec.Struct, forbid_unknown_fields=True):
    area: str
    seconds: int | None  # null: the area goes back to the hub's default


class PeopleResult(msgspec.Struct):
    people: list[PersonProfile]


class PersonResult(msgspec.Struct):
    person: PersonProfile


class ProgramsResult(msgspec.Struct):
    programs: list[ProgramView]


class ProgramResult(msgspec.Struct):
    program: ProgramView


class NetworksResult(msgspec.Struct):
    networks: list[NetworkView]


class NetworkResult(msgspec.Struct):
    network: NetworkView


class WindowsResult(msgspec.Struct):
    windows: list[AreaWindowView]


class WindowResult(msgspec.Struct):
    window: AreaWindowView | None  # null: the hub's default again
