"""Where the terminal app finds its token: TRIAGE_TOKEN, else a token file that only its owner
can read (refused otherwise, as ssh refuses a loose private key)."""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path

import platformdirs

ENV_VAR = "TRIAGE_TOKEN"


class CredentialsError(Exception):
    """No usable token; the message says what to do."""


def default_token_path() -> Path:
    return Path(platformdirs.user_config_dir("triage")) / "token"


def how_to_get_a_token(path: Path) -> str:
    return (
        f"no token: set {ENV_VAR} or save one in {path}. To get one, run "
        "`triage agent add --name 'Your Name' --zip 78701` on the hub host "
        "(or `triage agent token PERSON_ID` for an existing person), then save it with: "
        f"umask 077; echo TOKEN > {path}"
    )


def loose_bits(mode: int) -> str:
    """What a mode lets others than the owner do, exactly: "writable by group", "readable and
    writable by others", "readable by group, executable by others"."""
    parts = []
    for who, shift in (("group", 3), ("others", 0)):
        can = [word for bit, word in ((4, "readable"), (2, "writable"), (1, "executable"))
               if mode >> shift & bit]
        if can:
            words = ", ".join(can[:-1]) + " and " + can[-1] if len(can) > 1 else can[0]
            parts.append(f"{words} by {who}")
    return ", ".join(parts)


def check_permissions(path: Path) -> None:
    """Refuse a token file that its group or others can read, write or execute."""
    if os.name == "nt":
        return
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise CredentialsError(
            f"token file {path} has mode {mode:04o}: it is {loose_bits(mode)}; "
            f"refusing to use it. Fix it with: chmod 600 {path}"
        )


def read_token_file(path: Path) -> str:
    if not path.exists():
        raise CredentialsError(how_to_get_a_token(path))
    if not path.is_file():
        raise CredentialsError(f"token file {path} is not a regular file")
    check_permissions(path)
    try:
        token = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise CredentialsError(f"cannot read token file {path}: {exc.strerror or exc}") from None
    if not token:
        raise CredentialsError(f"token file {path} is empty. {how_to_get_a_token(path)}")
    return token.splitlines()[0].strip()


def load_token(token_file: Path | str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The token from the environment, else from `token_file` (default: the config directory)."""
    env = os.environ if environ is None else environ
    token = env.get(ENV_VAR, "").strip()
    if token:
        return token
    return read_token_file(Path(token_file).expanduser() if token_file else default_token_path())
