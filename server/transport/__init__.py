"""Transport: connections, frame dispatch, replay on hello, limits, token revocation."""
