"""`triage hub` with a bad config file, variable or flag: exit 2 and one line naming the file (or
variable, or flag), the key and what the key takes; never a traceback, never a listening hub."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("text", "env", "args", "expected"),
    [
        ("[hub]\nport = 70000\n", {}, [],
         "{config}: hub.port: expected an integer from 0 to 65535, got 70000"),
        ('[hub]\nhost = "0.0.0.0"\nclaim_window = 60\n', {}, [],
         "{config}: unknown key hub.claim_window; [hub] takes host, port, db, claim_window"),
        ("[hub]\nport = 0\n", {"TRIAGE_RATE_LIMIT": "lots"}, [],
         ("environment variable TRIAGE_RATE_LIMIT: hub.rate_limit_per_minute: expected an integer, "
          "0 or more, got 'lots'")),
        ("[hub]\nport = 0\n", {}, ["--claim-window", "0"],
         "--claim-window: hub.claim_window_seconds: expected an integer, 1 or more, got 0"),
    ],
    ids=["out-of-range", "unknown-key", "bad-variable", "bad-flag"],
)
def test_hub_refuses_a_bad_config_naming_the_key(
    tmp_path: Path, text: str, env: dict[str, str], args: list[str], expected: str
) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(text)
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_")}
    result = subprocess.run(
        [sys.executable, "-m", "triage", "hub", "--config", str(config), "--db",
         str(tmp_path / "hub.sqlite3"), *args],
        capture_output=True, text=True, timeout=60, cwd=ROOT, env={**clean, **env}, check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(f"triage: {expected.format(config=config)}")
    assert len(result.stderr.splitlines()) == 1
