"""Running a team: people's profiles and roles, partner programs, network groups and claim
windows, changed by the desk over the wire or on the hub host from the command line; each change
checked whole before anything is written, audited, and searched at once on every hub."""
