"""Distances between US zip codes, from the coordinates the `zipcodes` package ships."""

from __future__ import annotations

import gc
import logging
import math
import os
from collections.abc import Iterable
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import msgspec
import platformdirs
import zipcodes

log = logging.getLogger(__name__)

EARTH_RADIUS_MILES = 3958.8


def cache_file() -> Path:
    """Where the compact table is kept between starts (one per version of the package's data)."""
    base = os.environ.get("TRIAGE_CACHE_DIR") or platformdirs.user_cache_dir("triage")
    return Path(base) / f"zip-points-{metadata.version('zipcodes')}.json"


def _read_package() -> dict[str, tuple[float, float]]:
    """Read a two-digit prefix at a time: the package's full table is 42,000 dicts of fifteen
    fields, 140 MB that would stay resident (and cached by the package) for two floats each.
    Takes about a second, holding the interpreter, hence the file below."""
    points: dict[str, tuple[float, float]] = {}
    for prefix in range(100):
        for z in zipcodes.similar_to(f"{prefix:02d}"):
            if z.get("lat") and z.get("long"):
                points[z["zip_code"]] = (float(z["lat"]), float(z["long"]))
    return points


@lru_cache(maxsize=1)
def _points() -> dict[str, tuple[float, float]]:
    """Every zip code's coordinates, indexed once (the package itself scans a list per lookup).

    Kept as a small file in the user's cache directory, so a restart (after a crash, say)
    loads it in a few milliseconds instead of rereading the package while overdue offers wait."""
    path = cache_file()
    try:
        kept = msgspec.json.decode(path.read_bytes(), type=dict[str, tuple[float, float]])
        if len(kept) > 40_000:  # anything less is not a table this code wrote
            return kept
    except (OSError, msgspec.DecodeError, msgspec.ValidationError):
        pass
    points = _read_package()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(msgspec.json.encode(points))
        partial.replace(path)  # atomic: a reader never sees half a file
    except OSError as exc:
        log.warning("could not keep the zip code table in %s: %s", path.parent, exc)
    return points


def warm() -> None:
    """Build the index ahead of the first lookup (under a second), then move the long-lived
    objects out of the garbage collector's way: without this every full collection rescans
    them and stalls the hub."""
    _points()
    gc.freeze()


def zip_point(zip_code: str) -> tuple[float, float] | None:
    """Latitude and longitude of a zip code, or None when it is unknown."""
    return _points().get(zip_code.strip()) if isinstance(zip_code, str) else None


def known_zip(zip_code: str) -> bool:
    return zip_point(zip_code) is not None


def miles_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(math.sqrt(h))


def zip_miles(a: str, b: str) -> float | None:
    """Miles between two zip codes, or None when either is unknown."""
    if a == b:
        return 0.0 if known_zip(a) else None
    pa, pb = zip_point(a), zip_point(b)
    if pa is None or pb is None:
        return None
    return miles_between(pa, pb)


def nearest_miles(target: str, zips: Iterable[str]) -> float | None:
    """The distance from `target` to the nearest of `zips`."""
    distances = [d for z in zips if (d := zip_miles(target, z)) is not None]
    return min(distances) if distances else None


def known_area(area: str) -> bool:
    """`area` is a zip code, or the first digits of at least one."""
    if not (isinstance(area, str) and area.isdigit() and 1 <= len(area) <= 5):
        return False
    return known_zip(area) if len(area) == 5 else any(z.startswith(area) for z in _points())
