"""What every benchmark shares: the figure it reports, the machine it ran on, the table it prints."""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from importlib import metadata


@dataclass
class Figure:
    """One measured figure against its target; `ratio` is against the baseline the issue names
    (or against the target when there is no baseline)."""

    benchmark: str
    figure: str
    target: str
    passed: bool
    ratio: float | None = None

    def row(self) -> str:
        ratio = f"{self.ratio:.2f}x" if self.ratio is not None else ""
        verdict = "PASS" if self.passed else "FAIL"
        return f"| {self.benchmark} | {self.figure} | {self.target} | {ratio} | {verdict} |"

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def percentile(values: list[float], pct: float) -> float:
    """The pct-th percentile (0-100) by nearest rank; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered)) - 1))
    return ordered[rank]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


_LIBRARIES = ("textual", "websockets", "sqlalchemy", "aiosqlite", "msgspec", "rapidfuzz")


def python_speed(iterations: int = 2_000_000, runs: int = 5) -> float:
    """Nanoseconds per iteration of a plain Python loop, the best of `runs`: how fast this
    machine runs Python now. The shared machine's speed has moved by 3x between sessions (the
    same loop took 2.3-3.7 s for 20 million one night), and every figure here moves with it."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        total = 0
        for i in range(iterations):
            total += i
        best = min(best, time.perf_counter() - start)
    return best / iterations * 1e9


def machine_facts() -> dict[str, str]:
    facts = {
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": platform.processor() or platform.machine(),
        "python loop": f"{python_speed():.0f} ns/iteration",
    }
    for name in _LIBRARIES:
        try:
            facts[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            facts[name] = "not installed"
    return facts


def print_table(figures: list[Figure], file=sys.stdout) -> None:
    print("| benchmark | figure | target | ratio | result |", file=file)
    print("| --- | --- | --- | --- | --- |", file=file)
    for figure in figures:
        print(figure.row(), file=file)
    file.flush()


def rss_mb(pid: int | None = None) -> float:
    """Resident memory of a process (this one by default) in MB, from /proc."""
    path = f"/proc/{pid or os.getpid()}/status"
    with open(path, encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS in {path}")


def _cpu_times() -> tuple[int, int] | None:
    """(idle, total) jiffies of all cores since boot, where /proc/stat tells them."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(x) for x in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    return fields[3] + (fields[4] if len(fields) > 4 else 0), sum(fields)


def settle(idle_share: float = 0.8, longest: float = 30.0) -> float:
    """Wait until the machine is mostly idle (the previous benchmark's processes gone and their
    sockets closed), so one benchmark's teardown does not land in the next one's figures.
    Returns the seconds waited."""
    started = time.monotonic()
    before = _cpu_times()
    if before is None:
        time.sleep(2.0)
        return time.monotonic() - started
    while time.monotonic() - started < longest:
        time.sleep(0.5)
        after = _cpu_times()
        assert after is not None
        idle, total = after[0] - before[0], after[1] - before[1]
        before = after
        if total > 0 and idle / total >= idle_share:
            break
    return time.monotonic() - started
