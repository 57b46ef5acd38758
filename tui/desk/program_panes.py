"""The team screen's programs (name, vendor, introduction fee flat or percent, claim window),
network groups (name, owner, members) and claim windows per area (a zip code or its first
digits): the same changes as `triage program`, `triage network` and `triage window`."""

from __future__ import annotations

from typing import Any

from shared.protocol import AreaWindowView, NetworkView, ProgramTerms, ProgramView
from tui.desk.editor_pane import EditorPane
from tui.desk.form import Field, FieldError, parse_number, split_list
from tui.services import services

FEE_TYPES = (("introduction fee, flat", "intro"), ("percent", "percent"))


def window_text(seconds: int | None) -> str:
    if seconds is None:
        return "hub default"
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} min" if not rest else f"{seconds} s"


def parse_window(field: str, text: str) -> int | None:
    """Seconds, or None (empty: the hub's default)."""
    return int(parse_number(field, text, whole=True)) if text else None


class ProgramsPane(EditorPane[ProgramView]):
    FIELDS = (
        Field("name", "Name", "e.g. Lone Star Title"),
        Field("vendor", "Vendor", "the vendor's person id, e.g. P-VIC001"),
        Field("fee_type", "Fee", kind="choice", choices=FEE_TYPES),
        Field("fee_amount", "Amount", "dollars flat, or a percent"),
        Field("claim_window_seconds", "Window (s)", "seconds to claim; empty: the hub's default"),
    )
    NOUN = "program"
    PLURAL = "programs"

    async def load(self) -> list[tuple[str, ProgramView]]:
        return [(p.id, p) for p in await services(self).session.team_programs()]

    def label(self, item: ProgramView) -> str:
        fee = f"{item.fee_amount:g}%" if item.fee_type == "percent" else f"${item.fee_amount:,.0f} flat"
        return f"{item.name} · {item.vendor_name} · {fee} · window {window_text(item.claim_window_seconds)}"

    def form_values(self, item: ProgramView | None) -> dict[str, Any]:
        if item is None:
            return {"fee_type": "intro"}
        return {"name": item.name, "vendor": item.vendor_id, "fee_type": item.fee_type,
                "fee_amount": f"{item.fee_amount:g}",
                "claim_window_seconds": "" if item.claim_window_seconds is None else item.claim_window_seconds}

    async def save_item(self, item_id: str | None, values: dict[str, Any],
                        changed: set[str]) -> tuple[str, ProgramView]:
        keys = changed if item_id is not None else {k for k, v in values.items() if v not in ("", None)}
        if item_id is None:
            for key, what in (("name", "a name"), ("vendor", "the vendor's person id")):
                if not values[key]:
                    raise FieldError(key, f"a program needs {what}")
        terms: dict[str, Any] = {}
        for key in keys:
            if key == "fee_amount":
                terms[key] = parse_number(key, values[key]) if values[key] else 0.0
            elif key == "claim_window_seconds":
                terms[key] = parse_window(key, values[key])
            else:
                terms[key] = values[key]
        session = services(self).session
        if item_id is None:
            program = await session.team_program_add(ProgramTerms(**terms))
        else:
            program = await session.team_program_set(item_id, ProgramTerms(**terms))
        return program.id, program


class NetworksPane(EditorPane[NetworkView]):
    FIELDS = (
        Field("name", "Name", "e.g. Denver circle"),
        Field("owner", "Owner", "the owning agent's person id"),
        Field("members", "Members", "agents' person ids, e.g. P-DANA01, P-ELI001"),
    )
    NOUN = "network group"
    PLURAL = "network groups"

    async def load(self) -> list[tuple[str, NetworkView]]:
        return [(n.id, n) for n in await services(self).session.team_networks()]

    def label(self, item: NetworkView) -> str:
        count = len(item.members)
        return f"{item.name} · {item.owner_name} · {count} member{'s' if count != 1 else ''}"

    def form_values(self, item: NetworkView | None) -> dict[str, Any]:
        if item is None:
            return {}
        return {"name": item.name, "owner": item.owner_id, "members": ", ".join(item.members)}

    async def save_item(self, item_id: str | None, values: dict[str, Any],
                        changed: set[str]) -> tuple[str, NetworkView]:
        for key in ("name", "owner"):
            if not values[key]:
                raise FieldError(key, f"a network group needs its {key}")
        members = split_list(values["members"])
        session = services(self).session
        if item_id is None:
            group = await session.team_network_add(values["name"], values["owner"], members)
        else:
            group = await session.team_network_set(item_id, name=values["name"], owner=values["owner"],
                                                   members=members)
        return group.id, group


class WindowsPane(EditorPane[AreaWindowView]):
    FIELDS = (
        Field("area", "Area", "a zip code or its first digits, e.g. 787"),
        Field("seconds", "Window (s)", "seconds to claim; empty: the hub's default"),
    )
    NOUN = "claim window"
    PLURAL = "claim windows"

    async def load(self) -> list[tuple[str, AreaWindowView]]:
        return [(w.area, w) for w in await services(self).session.team_windows()]

    def label(self, item: AreaWindowView) -> str:
        return f"{item.area} · {window_text(item.claim_window_seconds)}"

    def form_values(self, item: AreaWindowView | None) -> dict[str, Any]:
        return {} if item is None else {"area": item.area, "seconds": item.claim_window_seconds}

    async def save_item(self, item_id: str | None, values: dict[str, Any],
                        changed: set[str]) -> tuple[str, AreaWindowView | None]:
        area = values["area"]
        if not area:
            raise FieldError("area", "a zip code or its first digits, e.g. 787")
        window = await services(self).session.team_window_set(area, parse_window("seconds", values["seconds"]))
        return area, window  # None: back to the hub's default, off the list (another area
        # typed over an open one sets that area; the one opened keeps its window)
