"""The demo hub, as a child process of `triage demo` that dies with its parent.

`triage demo` starts it as `python -m triage.demohub` and reads one JSON line per step on its
stdout (`{"step": "seeding demo data"}` ... then `{"ready": {...}}` or `{"error": "..."}`), so
the person sees what is happening while it starts. It ends, stopping its hub cleanly, as soon as
its parent is gone, however the parent went and at any moment, start-up included:

- its stdin is a pipe from the parent: end of file there means the parent closed it (done) or
  died (the kernel closed it) - this works everywhere;
- on Linux, PR_SET_PDEATHSIG also sends it SIGTERM the moment the parent dies;
- SIGTERM, SIGHUP and SIGINT stop it too; and whatever is stuck, it is gone `STOP_SECONDS` after
  it was asked to go.

It runs in a session of its own: the terminal's signals (ctrl+c at start-up, the hang-up of a
killed tmux) go to the parent, which then ends it through the pipe.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from triage.common import setup_logging

log = logging.getLogger("triage.demo")
STOP_SECONDS = 10.0  # asked to stop, the process is gone by then whatever its hub does


def emit(**message: Any) -> None:
    """One line to the parent; a parent that is gone cannot hear it (and the pipe says so)."""
    try:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()
    except (BrokenPipeError, OSError):
        pass


def die_with_parent(parent: int) -> None:
    """Linux: SIGTERM when the parent dies. Then make sure it did not die before that."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            PR_SET_PDEATHSIG = 1
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        except (OSError, AttributeError) as exc:
            log.debug("no PR_SET_PDEATHSIG: %s", exc)
    if parent and os.getppid() != parent:
        os._exit(0)  # the parent is already gone


class Stopper:
    """Asked to stop (end of stdin, a signal): the loop's stop event, and a deadline."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.event = asyncio.Event()
        self._asked = threading.Event()

    def ask(self, why: str) -> None:
        if self._asked.is_set():
            return
        self._asked.set()
        log.info("demo hub stopping: %s", why)
        with contextlib.suppress(RuntimeError):
            self.loop.call_soon_threadsafe(self.event.set)
        threading.Thread(target=self._deadline, name="demo-hub-deadline", daemon=True).start()

    def _deadline(self) -> None:
        time.sleep(STOP_SECONDS)
        log.error("the demo hub did not stop within %.0f s: ending it", STOP_SECONDS)
        os._exit(1)

    def watch_stdin(self) -> None:
        """The parent's pipe: end of file (or an error) means the parent is done or gone."""
        try:
            while sys.stdin.buffer.read(1024):
                pass
        except (OSError, ValueError):
            pass
        self.ask("the parent closed the pipe or is gone")


async def start_hub(args: argparse.Namespace) -> tuple[Any, Any, str]:
    """The demo database (created and seeded when new), the hub listening; (hub, cast, token)."""
    from server import demo
    from server.hub import Hub
    from server.settings import HubSettings

    path = sqlite_path(args.db)
    seeded = False
    if path is not None and not path.exists():
        emit(step="creating the demo database")
        await create_seeded(path, lambda step: emit(step=step), zip_table=args.zip_table)
        seeded = True
    emit(step="starting the demo hub")
    if args.zip_table is not None:  # the hub's first offers need the table: not built twice
        await asyncio.to_thread(args.zip_table.wait)
    hub = Hub(HubSettings(db_url=args.db, host="127.0.0.1", port=args.port))
    await hub.start()
    try:
        if await demo.is_empty(hub):  # another database (PostgreSQL, or an emptied file)
            emit(step="seeding demo data")
            await demo.seed(hub)
            seeded = True
        person_id = await demo.find_person(hub, args.as_name) if args.as_name else demo.DEMO_AGENT_ID
        try:
            cast = await demo.load_cast(hub, person_id)
        except LookupError:
            raise LookupError("this database has no demo agent; choose who to be with --as NAME") from None
        if (not seeded or person_id != demo.DEMO_AGENT_ID) and cast.concierge_id:
            await demo.offer_batch(hub, cast, random.Random())  # fresh offers on the clock
        token = await demo.fresh_token(hub, person_id)
    except BaseException:
        await hub.stop()
        raise
    return hub, cast, token


async def create_seeded(path: Path, step: Callable[[str], None] = lambda _: None,
                        rng: random.Random | None = None,
                        zip_table: subprocess.Popen[bytes] | None = None) -> None:
    """A new SQLite demo database at `path`, seeded, that appears whole or not at all.

    It is built beside `path` (`NAME.seeding`) and renamed into place once complete, so a demo
    killed while it seeds leaves no half-seeded database for the next start to take as its own
    (the next start builds it again). The build writes without waiting for the disk
    (`synchronous=OFF`): nothing of it counts until the rename, and a file that fsyncs every one
    of the seed's ~100 transactions took half a minute on a busy machine.

    `zip_table`: the process building the zip code table (`start_zip_table`), waited for before
    the seed needs it."""
    from sqlalchemy import event

    from server import demo
    from server.hub import Hub
    from server.settings import HubSettings

    building = path.with_name(path.name + ".seeding")
    for stale in (building, *_sidecars(building), *_sidecars(path)):
        with contextlib.suppress(FileNotFoundError):
            stale.unlink()
    hub = Hub(HubSettings(db_url=f"sqlite+aiosqlite:///{building}", host="127.0.0.1", port=0))

    @event.listens_for(hub.db.write_engine.sync_engine, "connect")
    def _no_fsync(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.close()

    try:
        step("creating the schema")
        await hub.db.migrate()
        step("seeding demo data")
        if zip_table is not None:
            await asyncio.to_thread(zip_table.wait)
        await demo.seed(hub, rng)  # the hub need not listen for it: nobody connects to this file
        await hub.db.close()
        # one file, its write-ahead log folded in and on disk, then the rename makes it real
        connection = sqlite3.connect(building)
        try:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            connection.execute("PRAGMA journal_mode=DELETE")
        finally:
            connection.close()
        with open(building, "rb+") as file:
            os.fsync(file.fileno())
        os.replace(building, path)
    except BaseException:
        if zip_table is not None and zip_table.poll() is None:
            zip_table.kill()
        with contextlib.suppress(Exception):
            await hub.db.close()
        for left in (building, *_sidecars(building)):
            with contextlib.suppress(FileNotFoundError):
                left.unlink()
        raise


def _sidecars(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal")]


def start_zip_table() -> subprocess.Popen[bytes] | None:
    """On a machine where the hub never ran, its zip code table (server/geo.py: a second or two
    of CPU reading the `zipcodes` package, then kept in the user cache directory) is built in a
    process of its own, on the other core, while this one imports the hub and creates the
    schema. None when the table is kept already."""
    from server import geo

    if geo.cache_file().exists():
        return None
    return subprocess.Popen([sys.executable, "-c", "from server import geo; geo.known_zip('78701')"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)


def sqlite_path(url: str) -> Path | None:
    prefix = "sqlite+aiosqlite:///"
    return Path(url[len(prefix):]) if url.startswith(prefix) and ":memory:" not in url else None


async def serve(args: argparse.Namespace) -> int:
    from server import demo

    loop = asyncio.get_running_loop()
    stopper = Stopper(loop)
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stopper.ask, signal.Signals(sig).name)
    threading.Thread(target=stopper.watch_stdin, name="demo-hub-parent", daemon=True).start()

    starting = asyncio.create_task(start_hub(args))
    stop = asyncio.create_task(stopper.event.wait())
    await asyncio.wait({starting, stop}, return_when=asyncio.FIRST_COMPLETED)
    if not starting.done():  # asked to stop while starting: give up the start
        starting.cancel()
        with contextlib.suppress(BaseException):
            await starting
        return 0
    stop.cancel()
    try:
        hub, cast, token = starting.result()
    except LookupError as exc:
        emit(error=str(exc), usage=True)
        return 1
    except Exception as exc:
        log.exception("demo hub failed to start")
        emit(error=f"the demo hub did not start: {exc}")
        return 1
    log.info("signed in as %s (%s) at %s", cast.agent_name, cast.agent_id, hub.url)
    emit(ready={"url": hub.url, "port": hub.port, "token": token, "agent": cast.agent_name})
    arrivals = asyncio.create_task(demo.arrivals(hub, cast, stopper.event))
    try:
        await stopper.event.wait()
    finally:
        arrivals.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await arrivals
        await hub.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m triage.demohub",
                                     description="The hub of `triage demo` (started by it).")
    parser.add_argument("--db", required=True)
    parser.add_argument("--as", dest="as_name")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--parent", type=int, default=0, help="the parent's pid: end when it is gone")
    parser.add_argument("--log", required=True)
    args = parser.parse_args(argv)
    die_with_parent(args.parent)
    args.zip_table = start_zip_table()  # before the hub's own imports: side by side
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # until the loop's own handler: ctrl+c is the parent's
    setup_logging(logging.FileHandler(args.log, encoding="utf-8"))
    log.info("demo hub starting (pid %d, parent %d)", os.getpid(), args.parent)
    return asyncio.run(serve(args))


if __name__ == "__main__":
    raise SystemExit(main())
