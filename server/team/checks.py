"""The checks every team change passes before anything is written: a bad field is refused with
an error naming it, and a change with one bad field changes nothing."""

from __future__ import annotations

import re
from collections.abc import Iterable

from server.errors import HubError
from server.geo import known_area, known_zip
from shared.domain import Role
from shared.protocol import ErrorCode

MAX_RANK = 100.0
MAX_YEARS = 80
MAX_WINDOW = 7 * 24 * 3600  # a week
MAX_INTRO_FEE = 1_000_000.0
_LABEL = re.compile(r"[^,\n]{1,60}")


def bad(field: str, message: str) -> HubError:
    return HubError(ErrorCode.BAD_REQUEST, message, field=field)


def zip_codes(field: str, values: Iterable[str]) -> list[str]:
    """Real US zip codes, each once, in the order given."""
    out: list[str] = []
    for value in values:
        zip_code = value.strip()
        if not re.fullmatch(r"\d{5}", zip_code):
            raise bad(field, f"{field}: {value!r} is not a 5-digit zip code")
        if not known_zip(zip_code):
            raise bad(field, f"{field}: {zip_code} is not a US zip code")
        if zip_code not in out:
            out.append(zip_code)
    return out


def area(value: str) -> str:
    """A zip code or its first digits (`802` is every zip code starting 802)."""
    text = value.strip()
    if not re.fullmatch(r"\d{1,5}", text):
        raise bad("area", f"area: {value!r} is not a zip code or the first digits of one")
    if not known_area(text):
        raise bad("area", f"area: no US zip code starts with {text}")
    return text


def rank(value: float) -> float:
    if not 0 <= value <= MAX_RANK:
        raise bad("rank", f"rank must be between 0 and {MAX_RANK:g}, got {value:g}")
    return float(value)


def years(value: int) -> int:
    if not 0 <= value <= MAX_YEARS:
        raise bad("years", f"years of experience must be between 0 and {MAX_YEARS}, got {value}")
    return value


def window(value: int | None, field: str = "claim_window_seconds") -> int | None:
    if value is not None and not 1 <= value <= MAX_WINDOW:
        raise bad(field, f"a claim window must be between 1 s and {MAX_WINDOW} s (a week), got {value}")
    return value


def roles(values: Iterable[str]) -> list[str]:
    known = [r.value for r in Role]
    chosen: list[str] = []
    for value in values:
        if value not in known:
            raise bad("roles", f"roles: {value!r} is not one of {', '.join(known)}")
        if value not in chosen:
            chosen.append(value)
    if not chosen:
        raise bad("roles", "roles: a person needs at least one role")
    return [r for r in known if r in chosen]


def labels(field: str, values: Iterable[str]) -> list[str]:
    """Specializations or languages: short words, no commas, each once."""
    out: list[str] = []
    for value in values:
        text = value.strip()
        if not _LABEL.fullmatch(text):
            raise bad(field, f"{field}: {value!r} must be 1 to 60 characters without commas")
        if text.lower() not in (o.lower() for o in out):
            out.append(text)
    return out


def text(field: str, value: str, *, required: bool = False, limit: int = 200) -> str:
    cleaned = value.strip()
    if required and not cleaned:
        raise bad(field, f"{field} must not be empty")
    if len(cleaned) > limit or "\n" in cleaned:
        raise bad(field, f"{field} must be one line of at most {limit} characters")
    return cleaned


def fee(fee_type: str, amount: float) -> float:
    if fee_type == "percent":
        if not 0 < amount <= 100:
            raise bad("fee_amount", f"a percent fee must be above 0 and at most 100, got {amount:g}")
    elif fee_type == "intro":
        if not 0 <= amount <= MAX_INTRO_FEE:
            raise bad("fee_amount", f"an introduction fee must be between 0 and {MAX_INTRO_FEE:,.0f}, got {amount:g}")
    else:
        raise bad("fee_type", f"fee_type must be intro or percent, got {fee_type!r}")
    return float(amount)
