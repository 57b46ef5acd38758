"""Shared by the hub and the terminal app: domain types, status rules, wire messages."""
