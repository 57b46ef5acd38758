"""The inbox: the main place. `screen.py` composes it from its widgets (the connection line, the
view bar, the filter line, the table, the detail pane), each posting its own messages;
`paging.py` feeds a huge inbox window by window; `commands.py` holds what each triage key asks
and which op it sends."""
