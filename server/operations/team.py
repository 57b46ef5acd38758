"""The desk's operations on its team: people's profiles and roles, programs, network groups,
claim windows (the same changes as `triage agent set`, `program`, `network` and `window`, by
the same code in `server/team`), and the desk's board with what it does to unclaimed
appointments. Every change is audited with the desk as its actor and searched at once."""

from __future__ import annotations

from server.events.transaction import Tx
from server.operations.context import OpContext
from server.operations.replies import transact, write
from server.referrals import desk_moves
from server.routing.desk_board import board
from server.storage import people
from server.storage.models import Referral
from server.team import networks, programs, windows
from server.team.profiles import profile, set_person
from shared.protocol import (
    AssignArgs,
    DeskBoard,
    EmptyArgs,
    NetworkAddArgs,
    NetworkResult,
    NetworkSetArgs,
    NetworksResult,
    PeopleResult,
    PersonResult,
    PersonSetArgs,
    ProgramAddArgs,
    ProgramResult,
    ProgramSetArgs,
    ProgramsResult,
    RefArgs,
    WindowResult,
    WindowSetArgs,
    WindowsResult,
)


async def people_list(ctx: OpContext, args: EmptyArgs) -> PeopleResult:
    async with ctx.read() as session:
        return PeopleResult([profile(p, count) for p, count in await people.list_people(session)])


async def person_set(ctx: OpContext, args: PersonSetArgs) -> PersonResult:
    person = await transact(ctx, lambda tx: set_person(tx, ctx.person.id, args.id, args.changes))
    await ctx.resume_waiting()  # a new zip code or a resume may make someone eligible
    return PersonResult(person)


async def programs_list(ctx: OpContext, args: EmptyArgs) -> ProgramsResult:
    async with ctx.read() as session:
        return ProgramsResult(await programs.list_programs(session))


async def program_add(ctx: OpContext, args: ProgramAddArgs) -> ProgramResult:
    return ProgramResult(await transact(ctx, lambda tx: programs.add_program(tx, ctx.person.id, args.terms, args.id)))


async def program_set(ctx: OpContext, args: ProgramSetArgs) -> ProgramResult:
    return ProgramResult(await transact(ctx, lambda tx: programs.set_program(tx, ctx.person.id, args.id, args.terms)))


async def networks_list(ctx: OpContext, args: EmptyArgs) -> NetworksResult:
    async with ctx.read() as session:
        return NetworksResult(await networks.list_networks(session))


async def network_add(ctx: OpContext, args: NetworkAddArgs) -> NetworkResult:
    return NetworkResult(await transact(
        ctx, lambda tx: networks.add_network(tx, ctx.person.id, args.name, args.owner, args.members)
    ))


async def network_set(ctx: OpContext, args: NetworkSetArgs) -> NetworkResult:
    return NetworkResult(await transact(ctx, lambda tx: networks.set_network(
        tx, ctx.person.id, args.id, name=args.name, owner_id=args.owner, members=args.members,
        add=args.add, remove=args.remove,
    )))


async def windows_list(ctx: OpContext, args: EmptyArgs) -> WindowsResult:
    async with ctx.read() as session:
        return WindowsResult(await windows.list_windows(session))


async def window_set(ctx: OpContext, args: WindowSetArgs) -> WindowResult:
    return WindowResult(await transact(ctx, lambda tx: windows.set_window(tx, ctx.person.id, args.area, args.seconds)))


async def desk_board(ctx: OpContext, args: EmptyArgs) -> DeskBoard:
    async with ctx.read() as session:
        return await board(session, ctx.now())


async def _reopen(ctx: OpContext, tx: Tx, args: RefArgs) -> Referral:
    return await desk_moves.reopen(tx, args.id, ctx.person, ctx.settings.claim_window_seconds)


async def _assign(ctx: OpContext, tx: Tx, args: AssignArgs) -> Referral:
    return await desk_moves.assign(tx, args.id, ctx.person, args.agent)


desk_reopen = write(_reopen)
desk_assign = write(_assign)
