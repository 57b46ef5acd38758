"""The session-wide log check: a planted token or client contact is caught, clean lines are not,
and a leak turns a green test run red."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from tests.log_leaks import LogWatch, leaks_in

ROOT = Path(__file__).resolve().parents[2]


def test_tokens_emails_phones_and_registered_contact_are_caught() -> None:
    watch = LogWatch()
    watch.add_contact(["12 Rainey St"])
    log = logging.getLogger("tests.planted")
    log.propagate = False  # the planted lines must not reach the session's own watch
    log.setLevel(logging.INFO)
    log.addHandler(watch)
    try:
        log.info("connect P-ANN01 from 127.0.0.1")
        log.info("hello %s", "trg_3m0eXq9v-_Zk2LQ8pP")
        log.warning("mail to %s failed", "carla@example.com")
        log.info("call 512-555-0100 now")
        log.info("client lives at 12 Rainey St")
    finally:
        log.removeHandler(watch)
    leaks = watch.leaks()
    assert len(leaks) == 4, leaks
    assert [leak.split(": ")[1].split()[0] for leak in leaks] == ["token", "e-mail", "phone", "contact"]


def test_ordinary_hub_lines_are_not_leaks() -> None:
    clean = [
        "hub listening on ws://127.0.0.1:8765",
        "auth failure from 127.0.0.1: unknown or revoked token",
        "disconnect P-7F3K2Q (code 1001)",
        "database sqlite+aiosqlite:///***@host/db",
        "moved 3 overdue offer(s) on at start 2026-11-23 10:04:05,123",
    ]
    assert [line for line in clean if leaks_in(line)] == []


@pytest.mark.slow  # a whole pytest session in a subprocess: ~5 s
def test_a_leak_fails_the_whole_test_run_even_when_every_test_passes() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "tests/robustness/planted_leak.py"],
        check=False, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert "1 passed" in result.stdout, result.stdout
    assert result.returncode == 1, result.stdout
    assert "LOG LEAK" in result.stdout and "carla.planted@example.com" in result.stdout
