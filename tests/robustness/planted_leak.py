"""Not collected by the normal run (the name does not start with test_): run on its own by
test_log_leaks.py to prove that a token or client contact in a log line fails the whole session."""

import logging


def test_a_hub_line_that_leaks() -> None:
    log = logging.getLogger("triage.hub")
    log.info("auth for token trg_PLANTEDplantedPLANTED123 by carla.planted@example.com")
