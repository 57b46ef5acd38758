"""Benchmarks: speed and memory targets, measured against real hubs and baselines in the same run.

Run them all with `python -m bench`; each module also runs alone (`python -m bench.<name>`).
"""
