"""Session-wide checks: no log line of the whole test run carries a token or client contact."""

from __future__ import annotations

import pytest

from tests import log_leaks


def pytest_sessionstart(session: pytest.Session) -> None:
    log_leaks.install()


@pytest.fixture(autouse=True)
def _log_watch_attached() -> None:
    """Re-attach the session's log watch if something replaced the root handlers."""
    log_leaks.install()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    leaks = log_leaks.SESSION_WATCH.leaks()
    if not leaks:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    lines = [f"LOG LEAK: {len(leaks)} log line(s) carry a token or client contact:", *leaks[:20]]
    if reporter is not None:
        reporter.write_line("")
        for line in lines:
            reporter.write_line(line, red=True, bold=True)
    else:
        print("\n".join(lines))
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
