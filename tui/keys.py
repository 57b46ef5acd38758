"""The keys of each place: which bindings are live where, what each does in the product's words,
and the key actually bound once the config's `[keys]` remapped some.

Three users: the app refuses a keymap that would make one binding shadow another (`collisions`),
the keys screen (`?`) lists the current screen's keys (`help_rows`), and the command palette's
hints name the key really bound (`key_hint`). A test keeps README.md's key tables the same as
`PLACES`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass

from textual.binding import Binding
from textual.dom import DOMNode

from tui.desk.board_screen import DeskBoardScreen
from tui.desk.board_table import BoardTable
from tui.desk.form import FieldForm
from tui.desk.team_screen import TeamScreen
from tui.inbox.detail_pane import DetailPane
from tui.inbox.filter_input import FilterInput
from tui.inbox.screen import InboxScreen
from tui.inbox.table import InboxTable
from tui.screens.agent_search_screen import AgentSearchScreen
from tui.screens.choice_modal import ChoiceModal
from tui.screens.dry_run_screen import DryRunScreen
from tui.screens.fee_modal import FeeModal
from tui.screens.keys_screen import KeysScreen
from tui.screens.outbound_form import OutboundForm
from tui.screens.reason_modal import ReasonModal
from tui.screens.reports_screen import ReportsScreen
from tui.screens.settings_screen import SettingsScreen
from tui.screens.thread_screen import ThreadScreen
from tui.widgets.choice_list import ChoiceList


@dataclass(frozen=True)
class Part:
    """One group of a place's keys: a title and the class whose BINDINGS they are."""

    title: str
    owner: type[DOMNode]


@dataclass(frozen=True)
class Place:
    """A screen and the parts of it that bring keys of their own when they have focus. Its
    screen's keys and each part's are live together (and the app's, unless it is a modal)."""

    name: str
    screen: type[DOMNode]
    parts: tuple[Part, ...] = ()
    widget_keys: tuple[tuple[str, str], ...] = ()  # keys of Textual's own widgets: (key, words)
    modal: bool = False


PLACES: tuple[Place, ...] = (
    Place("Inbox", InboxScreen, (Part("Inbox list", InboxTable), Part("Referral detail", DetailPane),
                                 Part("Filter line", FilterInput))),
    Place("New referral", OutboundForm, widget_keys=(("tab", "next field"),)),
    Place("Message thread", ThreadScreen, widget_keys=(("enter", "send the message"),)),
    Place("Agent search", AgentSearchScreen,
          widget_keys=(("enter", "search"), ("space", "choose or unchoose the highlighted agent"))),
    Place("Settings", SettingsScreen, widget_keys=(("space", "switch on or off"),)),
    Place("Reports", ReportsScreen),
    Place("Routing dry run", DryRunScreen, widget_keys=(("enter", "run the dry run for the zip code"),)),
    Place("Desk board", DeskBoardScreen, (Part("Board sections", BoardTable),),
          widget_keys=(("tab", "the next section"),)),
    Place("Team", TeamScreen, (Part("Team form", FieldForm),),
          widget_keys=(("enter", "open the highlighted one in the form"), ("tab", "next field"))),
    Place("Choose one", ChoiceModal, (Part("Choices", ChoiceList),),
          widget_keys=(("enter", "choose"),), modal=True),
    Place("Reason", ReasonModal, widget_keys=(("enter", "confirm"),), modal=True),
    Place("Fee percent", FeeModal, widget_keys=(("enter", "confirm"),), modal=True),
    Place("Keys", KeysScreen, modal=True),
)

# What each binding does, in the product's words (the footer has room for a word or two only).
WORDS: dict[str, str] = {
    "app.quit": "quit",
    "app.help": "keys of this screen (this list)",
    "app.settings": "settings: pause offers, working hours, vacation, e-mail notifications",
    "app.reports": "reports: referrals per week, rates, time to claim, fees",
    "app.dry_run": "routing dry run (concierge): who would get an appointment in a zip code now",
    "app.reconnect": "reconnect now, instead of waiting out the retry delay (shown while offline)",
    "triage.accept": "accept: claim an offer, express interest, take an active lead or accept a partner referral",
    "triage.reject": "reject or pass (asks for a reason where one is required; a pass waits 5 s for undo)",
    "triage.status": "status: choose the next status among the moves allowed to you now",
    "triage.thread": "the referral's message thread",
    "triage.new": "a new agent referral",
    "triage.pick": "pick the final receiver among the interested (sender)",
    "triage.sign": "sign the referral agreement",
    "triage.archive": "archive the referral, after a 5 s undo window",
    "triage.undo": "undo a pass or an archive within its 5 s window (nothing is sent)",
    "triage.next": "jump to the open offer with the least time left",
    "triage.follow": "follow the queue: the cursor stays on the next offer to expire (on or off)",
    "triage.copy": "copy the revealed phone or e-mail to the clipboard (over ssh and tmux too)",
    "inbox.filter": "filter the inbox: words, kind:partner, status:pending",
    "app.agents": "agent search (chosen agents become receivers)",
    "view.all": "view: all referrals",
    "view.inbound": "view: inbound",
    "view.outbound": "view: outbound",
    "view.archived": "view: archived",
    "triage.close": "close the referral's detail",
    "inbox.open": "open the selected referral's detail",
    "inbox.down": "next referral",
    "inbox.up": "previous referral",
    "inbox.page_down": "a page down",
    "inbox.page_up": "a page up",
    "inbox.first": "first referral",
    "inbox.last": "last referral",
    "detail.close": "close the detail",
    "detail.down": "scroll the detail down",
    "detail.up": "scroll the detail up",
    "filter.clear": "clear the filter and leave it",
    "form.send": "create the referral and send it",
    "form.draft": "save it as a draft",
    "form.agents": "add receivers from the agent search",
    "form.cancel": "cancel the new referral",
    "thread.close": "back to the inbox",
    "agents.close": "done: take the chosen agents along",
    "agents.discard": "leave without choosing anyone",
    "settings.save": "save",
    "settings.close": "close the settings",
    "reports.close": "close the reports",
    "reports.desk": "the whole desk or me (concierge)",
    "reports.chart": "the other chart (narrow terminal)",
    "reports.reload": "load the report again",
    "dryrun.close": "close the dry run",
    "desk.board": "desk board (concierge): every live appointment, who holds it, time left",
    "desk.team": "team (concierge): people, programs, network groups, claim windows",
    "desk.reopen": "reopen the unclaimed appointment to every eligible agent",
    "desk.assign": "hand the unclaimed appointment to an agent you choose",
    "desk.refresh": "load the board again",
    "desk.close": "close the board",
    "board.down": "next row",
    "board.up": "previous row",
    "team.save": "save the form",
    "team.close": "close the team screen (asks first about unsaved edits)",
    "team.next_field": "next field",
    "team.previous_field": "previous field",
    "choice.cancel": "cancel",
    "choice.down": "next choice",
    "choice.up": "previous choice",
    "choice.first": "first choice",
    "choice.last": "last choice",
    "choice.page_down": "half a page down",
    "choice.page_up": "half a page up",
    "reason.cancel": "cancel",
    "fee.cancel": "cancel",
    "keys.close": "close this list (in the search line: clear the search)",
    "keys.search": "search the keys",
    "keys.down": "scroll down",
    "keys.up": "scroll up",
    "keys.page_down": "a page down",
    "keys.page_up": "a page up",
    "keys.first": "top",
    "keys.last": "bottom",
}


class KeymapError(ValueError):
    """A keymap that would leave a binding unreachable; the message names both and the key."""


def keys_of(keys: str) -> list[str]:
    """Textual's names for a comma-separated key list ("?,f1" -> ["question_mark", "f1"])."""
    return [binding.key for binding in Binding.make_bindings([Binding(keys, "noop")])]


def bindings(owner: type[DOMNode]) -> list[Binding]:
    """An owner's own bindings (one per BINDINGS entry, keys not yet split)."""
    found = []
    for item in owner.__dict__.get("BINDINGS", []):
        found.append(item if isinstance(item, Binding) else Binding(*item))
    return found


def bound_keys(binding: Binding, keymap: Mapping[str, str]) -> list[str]:
    """The keys a binding has once `keymap` (binding id -> keys) is applied."""
    if binding.id and keymap.get(binding.id):
        return keys_of(keymap[binding.id])
    return keys_of(binding.key)


def _chains(app: type[DOMNode]) -> Iterator[tuple[str, list[type[DOMNode]]]]:
    """Every set of owners whose keys are live at once: a place's screen with one of its parts."""
    for place in PLACES:
        base = [place.screen] if place.modal else [app, place.screen]
        yield place.name, base
        for part in place.parts:
            yield f"{place.name} ({part.title.lower()})", [*base, part.owner]


def collisions(app: type[DOMNode], keymap: Mapping[str, str]) -> list[str]:
    """Each key that `keymap` gives to a binding while another binding live in the same place
    holds it, in words; empty when the keymap shadows nothing."""
    if not keymap:
        return []
    problems: list[str] = []
    for where, owners in _chains(app):
        holders: dict[str, list[Binding]] = {}
        for owner in owners:
            for binding in bindings(owner):
                for key in bound_keys(binding, keymap):
                    holders.setdefault(key, []).append(binding)
        for key, held in holders.items():
            remapped = [b for b in held if b.id in keymap]
            if len(held) > 1 and remapped:
                first = remapped[0]
                for other in held:
                    if other is not first:
                        text = (f"[keys] {first.id!r} = {keymap[first.id]!r} takes {key!r} from "
                                f"{other.id or other.action!r} ({where})")
                        if text not in problems:
                            problems.append(text)
    return problems


def unknown_ids(app: type[DOMNode], keymap: Mapping[str, str]) -> list[str]:
    known = {b.id for b in bindings(app)} | {b.id for _, owners in _chains(app)
                                               for owner in owners for b in bindings(owner)}
    return sorted(set(keymap) - known)


def check_keymap(app: type[DOMNode], keymap: Mapping[str, str]) -> None:
    """Raise KeymapError for a keymap naming an unknown binding or shadowing another one."""
    if unknown := unknown_ids(app, keymap):
        raise KeymapError(f"[keys]: unknown binding id {', '.join(map(repr, unknown))} "
                          "(README.md lists every binding id)")
    if problems := collisions(app, keymap):
        raise KeymapError("; ".join(problems) + ": give one of them another key")


# ------------------------------------------------------------ what the keys screen shows


@dataclass(frozen=True)
class HelpRow:
    group: str
    keys: str  # as the footer writes them: "j", "ctrl+d", "?"
    words: str


def place_of(screen: type[DOMNode]) -> Place | None:
    return next((p for p in PLACES if issubclass(screen, p.screen)), None)


def help_rows(app: type[DOMNode], screen: type[DOMNode], keymap: Mapping[str, str],
              display: Callable[[Binding], str], hidden: Collection[str] = ()) -> list[HelpRow]:
    """Every key of a screen, grouped: the screen's own, each part's, its widgets', the app's.
    `display` turns a Binding into the key's shown form (`App.get_key_display`); the bindings
    whose ids are `hidden` are left out (the desk's keys, for someone not at the desk)."""
    place = place_of(screen)
    if place is None:
        return []
    groups: list[tuple[str, Sequence[Binding]]] = [(place.name, bindings(place.screen))]
    groups += [(part.title, bindings(part.owner)) for part in place.parts]
    if not place.modal:
        groups.append(("Everywhere", bindings(app)))
    rows = []
    for title, owned in groups:
        for binding in owned:
            if binding.id in hidden:
                continue
            shown = " ".join(display(binding.with_key(key)) for key in bound_keys(binding, keymap))
            rows.append(HelpRow(title, shown, WORDS.get(binding.id or "", binding.description)))
    rows += [HelpRow(place.name, key, words) for key, words in place.widget_keys]
    return rows


def key_hint(app: type[DOMNode], binding_id: str, keymap: Mapping[str, str],
             display: Callable[[Binding], str]) -> str:
    """The key(s) bound to `binding_id` now, as shown ("s", "ctrl+o"), or "" if unknown."""
    for owner in [app, *(o for place in PLACES for o in (place.screen, *(p.owner for p in place.parts)))]:
        for binding in bindings(owner):
            if binding.id == binding_id:
                return " or ".join(display(binding.with_key(key)) for key in bound_keys(binding, keymap))
    return ""
