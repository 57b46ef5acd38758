"""Distances between US zip codes, from the coordinates the `zipcodes` package ships."""

from __future__ import annotations

import gc
import math
from collections.abc import Iterable
from functools import lru_cache

import zipcodes

EARTH_RADIUS_MILES = 3958.8


@lru_cache(maxsize=1)
def _points() -> dict[str, tuple[float, float]]:
    """Every zip code's coordinates, indexed once (the package itself scans a list per lookup).

    Read a two-digit prefix at a time: the package's full table is 42,000 dicts of fifteen
    fields, 140 MB that would stay resident (and cached by the package) for two floats each."""
    points: dict[str, tuple[float, float]] = {}
    for prefix in range(100):
        for z in zipcodes.similar_to(f"{prefix:02d}"):
            if z.get("lat") and z.get("long"):
                points[z["zip_code"]] = (float(z["lat"]), float(z["long"]))
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
