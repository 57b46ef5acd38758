"""`python -m tui [--hub URL]... [--token-file PATH] [--keys ID=KEYS,...]`: the app, started as the
`triage` command starts it (`tui.launch`)."""

from __future__ import annotations

from tui.launch import main

if __name__ == "__main__":
    raise SystemExit(main())
