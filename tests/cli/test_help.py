"""Every command explains itself; `python -m triage` works; usage errors exit 2."""

from __future__ import annotations

import subprocess
import sys

import pytest

COMMANDS = {
    (): ["tui", "demo", "hub", "agent", "submit"],
    ("tui",): ["--hub", "--token-file"],
    ("demo",): ["--db", "--as"],
    ("hub",): ["--config", "--host", "--port", "--db", "--claim-window"],
    ("agent",): ["add", "list", "revoke", "token"],
    ("agent", "add"): ["--name", "--zip", "--sponsor-zip", "--role", "--brokerage", "--rank", "--db"],
    ("agent", "list"): ["--db"],
    ("agent", "revoke"): ["PERSON_ID", "--db"],
    ("agent", "token"): ["PERSON_ID", "--db"],
    ("submit",): ["FILE.json", "--example", "--hub", "--token-file"],
    ("audit",): ["verify", "export"],
    ("audit", "verify"): ["--db"],
    ("audit", "export"): ["REFERRAL_ID", "--format", "--out", "--db"],
    ("dry-run",): ["ZIP", "--format", "--hub", "--token-file"],
    ("open",): ["LINK", "--format", "--hub", "--token-file"],
    ("report",): ["--desk", "--since", "--until", "--format"],
    ("export",): ["--what", "--format", "--since"],
}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "triage", *args], capture_output=True, text=True, timeout=60)


def test_every_help_in_one_process() -> None:
    """In-process (fast): each --help exits 0, has a sentence, and names its options."""
    from triage.cli import main

    for command, options in COMMANDS.items():
        with pytest.raises(SystemExit) as exit_:
            main([*command, "--help"])
        assert exit_.value.code == 0


@pytest.mark.parametrize("command", list(COMMANDS), ids=lambda c: " ".join(c) or "triage")
def test_help_mentions_options(command: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    from triage.cli import main

    with pytest.raises(SystemExit) as exit_:
        main([*command, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert ". " in out or ".\n" in out  # a sentence, not just a usage line
    for option in COMMANDS[command]:
        assert option in out, f"{option} missing from `triage {' '.join(command)} --help`"


def test_python_m_triage_help() -> None:
    result = run("--help")
    assert result.returncode == 0
    assert "demo" in result.stdout and "submit" in result.stdout


def test_console_script_help() -> None:
    from pathlib import Path

    script = Path(sys.executable).with_name("triage")
    if not script.exists():
        pytest.skip("the console script is not installed next to this python")
    result = subprocess.run([str(script), "hub", "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "--claim-window" in result.stdout


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    from triage.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["agent", "add", "--zip", "78701"])  # --name missing
    assert exit_.value.code == 2
    assert main(["agent", "add", "--name", "X", "--zip", "7870"]) == 2
    assert "5-digit" in capsys.readouterr().err


def test_submit_example_prints_valid_referrals(capsys: pytest.CaptureFixture[str]) -> None:
    import msgspec

    from shared.protocol import ReferralInput
    from triage.cli import main

    for kind in ("appointment", "active", "agent", "partner"):
        assert main(["submit", "--example", kind]) == 0
        referral = msgspec.json.decode(capsys.readouterr().out, type=ReferralInput)
        assert referral.kind == kind


def test_hub_refuses_a_malformed_config_file_naming_the_line(tmp_path) -> None:
    config = tmp_path / "hub.toml"
    config.write_text('[hub]\nport = 9000\nhost = "unterminated\n')
    result = run("hub", "--config", str(config))
    assert result.returncode == 2
    assert str(config) in result.stderr and "line 3" in result.stderr
    assert "Traceback" not in result.stderr
