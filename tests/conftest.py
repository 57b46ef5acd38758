"""Session-wide checks: no log line of the whole test run carries a token or client contact."""

from __future__ import annotations

import asyncio

import pytest

from tests import log_leaks

pytest_plugins = ["tests.postgres"]  # its database fixtures, for every folder


def pytest_sessionstart(session: pytest.Session) -> None:
    log_leaks.install()


@pytest.fixture(autouse=True)
def _log_watch_attached() -> None:
    """Re-attach the session's log watch if something replaced the root handlers."""
    log_leaks.install()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgres: needs the PostgreSQL server (TRIAGE_TEST_POSTGRES)")
    config.addinivalue_line("markers", "sqlite_only: about SQLite's own file or writer; not run on PostgreSQL")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from tests import postgres

    if postgres.base_url() is None:
        terminalreporter.write_line(postgres.SKIPPED, yellow=True, bold=True)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    from tests import postgres

    if postgres.base_url() is not None:
        asyncio.run(postgres.drop_template())
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
