"""`triage demo`: a hub with demo data in a child process, and the terminal app signed in.

The app reads the same config as `triage tui` (tui/config.py: theme, desktop alerts, bell,
`[keys]`), all but the hub and the token, which the demo supplies. The demo hub is a child
process that dies with this one (triage/demohub.py); each step of its start is said as it
happens. The app and the hub end whenever their terminal goes away, start-up included
(tui/terminal_watch.py; before the app runs, a hang-up ends this process and so the child).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

import platformdirs

from triage.common import CliError, db_url, describe_db, eprint

START_TIMEOUT = 120.0
STOP_TIMEOUT = 15.0


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="try the app: a local hub with demo data, signed in as a demo agent",
        description="Start a hub on a free loopback port, fill a new database with demo agents "
        "and referrals, create a new inbound referral every 20 to 40 seconds, and open the "
        "terminal app signed in as the demo agent. The app reads the same config file and "
        "TRIAGE_* variables as `triage tui` (theme, desktop alerts, bell, [keys]), all but the "
        "hub and the token. Hub logs go to a file.",
    )
    p.add_argument("--db", metavar="URL",
                   help="database URL or SQLite file path (default: demo.sqlite3 in the user data directory)")
    p.add_argument("--as", dest="as_name", metavar="NAME",
                   help="sign in as this person (name or id; default: the demo agent)")
    p.add_argument("--port", type=int, default=0, metavar="PORT",
                   help="the demo hub's loopback port (default: a free one)")
    p.add_argument("--keys", metavar="ID=KEYS,...",
                   help="remap keys by binding id, as for `triage tui` (added to the config's [keys])")
    p.set_defaults(func=cmd_demo)


def default_demo_db() -> str:
    path = Path(platformdirs.user_data_dir("triage")) / "demo.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite+aiosqlite:///{path}"


class DemoHub:
    """The child process running the demo hub, and what it says while it starts."""

    def __init__(self, url: str, as_name: str | None, port: int, log_path: Path) -> None:
        command = [sys.executable, "-m", "triage.demohub", "--db", url, "--port", str(port),
                   "--parent", str(os.getpid()), "--log", str(log_path)]
        if as_name:
            command += ["--as", as_name]
        self.log_path = log_path
        with open(log_path, "ab") as log:
            self.process = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                start_new_session=True,  # the terminal's signals are this process's; it ends the child
                env={**os.environ, "PYTHONPATH": _package_root(os.environ.get("PYTHONPATH"))},
            )

    def wait_ready(self, say: Any = eprint, timeout: float = START_TIMEOUT) -> dict[str, Any]:
        """Say each step as the hub takes it; the hub's address and token once it listens."""
        assert self.process.stdout is not None
        started = last = time.monotonic()
        step = ""
        out: IO[bytes] = self.process.stdout
        while True:
            line = out.readline()
            if not line:
                code = self.process.wait(timeout=5)
                raise CliError(f"the demo hub stopped while starting (exit status {code}); "
                               f"see {self.log_path}")
            try:
                message = json.loads(line)
            except ValueError:
                continue
            now = time.monotonic()
            if step and now - last > 1.0:
                say(f"  ({step}: {now - last:.1f} s)")
            last = now
            if "error" in message:
                raise CliError(message["error"], code=2 if message.get("usage") else 1)
            if "ready" in message:
                if now - started > 1.0:
                    say(f"the demo hub is up after {now - started:.1f} s; connecting ...")
                return dict(message["ready"])
            step = str(message.get("step", ""))
            say(f"{step} ...")
            if now - started > timeout:
                raise CliError(f"the demo hub did not start within {timeout:.0f} s; see {self.log_path}")

    def stop(self, timeout: float = STOP_TIMEOUT) -> bool:
        """Close the pipe (the hub stops cleanly), then wait; force it past `timeout`."""
        if self.process.stdin is not None:
            try:
                self.process.stdin.close()
            except OSError:
                pass
        try:
            self.process.wait(timeout)
            return True
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
            return False


def _package_root(pythonpath: str | None) -> str:
    """The child imports this same checkout of the package, whatever the working directory."""
    root = str(Path(__file__).resolve().parents[1])
    return os.pathsep.join(p for p in (root, pythonpath) if p)


def cmd_demo(args: argparse.Namespace) -> int:
    from tui.drafts import DraftStore
    from tui.launch import LaunchError, app_options

    try:
        options = app_options(keys=args.keys)  # the config, as `triage tui` reads it
    except LaunchError as exc:
        raise CliError(exc.message, code=exc.code) from None
    url = db_url(args.db) if args.db else default_demo_db()
    log_dir = Path(platformdirs.user_log_dir("triage"))
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / "demo.log"
    eprint(f"starting the demo hub ({describe_db(url)}) ...")
    hub = DemoHub(url, args.as_name, args.port, log_path)
    stopped = True
    try:
        from tui.app import make_app  # loads here while the child starts the hub, side by side

        ready = hub.wait_ready()
        app = make_app(ready["url"], ready["token"], drafts=DraftStore.for_hub([f"demo:{url}"]), **options)
        app.run()
        code = app.return_code or 0
    finally:
        stopped = hub.stop()
    print(f"demo hub stopped{'' if stopped else ' (timed out)'}; its log is {log_path}", file=sys.stderr)
    return code
