"""Run every benchmark, or the ones named, and print one table of figures, targets and verdicts
with the machine's facts above it.

    python -m bench                      # all of them at the sizes the issues name (~10 min)
    python -m bench --quick              # small sizes: checks the benchmarks run (~2 min)
    python -m bench fanout claim_storm   # only these
    python -m bench --json results.json  # also write the figures and facts as JSON

Exits 1 when a benchmark breaks, or when a figure misses its target at full size (quick figures
are a smoke run and do not judge).
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
import traceback
from collections.abc import Callable
from datetime import date

from bench.harness import Figure, machine_facts, print_table, settle

# name -> (full-size arguments, quick arguments) of the module's run()
BENCHMARKS: dict[str, tuple[dict[str, object], dict[str, object]]] = {
    "fanout": ({}, {"clients": 100, "rounds": 10, "processes": 2}),
    "claim_storm": ({}, {"clients": 40, "offers": 50, "racers_per_offer": 10, "processes": 2}),
    "idle": ({}, {"clients": 300, "processes": 2}),
    "huge_inbox": ({}, {"quick": True}),
    "hub_start": ({}, {"referrals": 10_000, "overdue": 100}),
    "agent_search": ({}, {"agents": 2_000, "queries": 50}),
    "first_start": ({}, {"runs": 1}),  # `triage demo` in tmux, from launch to the inbox
    # several hubs on one PostgreSQL database (bench/postgres.py says which server; when it
    # cannot be reached these report a broken figure saying so)
    "multihub_fanout": ({}, {"clients": 100, "rounds": 10, "processes": 2}),
    "multihub_claim_storm": ({}, {"clients": 40, "offers": 50, "racers_per_offer": 10, "processes": 2}),
}


def run_one(name: str, quick: bool) -> list[Figure]:
    full, small = BENCHMARKS[name]
    run: Callable[..., list[Figure]] = importlib.import_module(f"bench.{name}").run
    start = time.monotonic()
    try:
        figures = run(**(small if quick else full))
    except Exception:  # one broken benchmark must not hide the others' figures
        traceback.print_exc()
        return [Figure(name, "raised an error (traceback above)", "runs", False, None)]
    print(f"  {name}: {time.monotonic() - start:.0f} s", file=sys.stderr, flush=True)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"benchmarks to run (default: all of {', '.join(BENCHMARKS)})")
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    names = args.names or list(BENCHMARKS)
    facts = machine_facts()
    print(f"{date.today().isoformat()}, " + ", ".join(f"{k} {v}" for k, v in facts.items()))
    if args.quick:
        print("quick sizes: a smoke run, not a measurement against the targets")
    figures: list[Figure] = []
    for name in names:
        waited = settle()
        print(f"running {name}... (after {waited:.1f} s for the machine to settle)",
              file=sys.stderr, flush=True)
        figures += run_one(name, args.quick)
    print()
    print_table(figures)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump({"date": date.today().isoformat(), "quick": args.quick, "machine": facts,
                       "figures": [f.as_dict() for f in figures]}, out, indent=2)
    broken = [f for f in figures if f.target == "runs"]
    missed = [f for f in figures if not f.passed]
    return 1 if broken or (missed and not args.quick) else 0


if __name__ == "__main__":
    sys.exit(main())
