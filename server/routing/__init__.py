"""Routing: appointment offers and claim clocks, eligibility, availability, the dry run, the agent directory."""
