"""The app's side of the hub: `HubSession` (the one door), the connection behind it, and the
messages it posts to the app."""
