"""Referrals: intake, actions, sending, agreements, threads, invoices, duplicate checks."""
