"""The map's data: a GeoJSON FeatureCollection of counties/districts coloured by a figure.

Each feature carries ``properties: {"code", "name", "value"}`` (and ``level``); its geometry
is the county's outline from ``boundaries`` (null when the package has none for it).  The
points where cases (Open311 ``lat``/``long``) and visits have coordinates ride along in the
collection's foreign member ``points``.  Metrics:

- ``intake``: cases registered in the window (the dashboard's 受理量);
- ``red``: open cases on red alert now (红牌, whenever registered);
- ``satisfaction``: 满意率 of the window's return visits, in percent (null without any).
"""

import datetime as dt

from django.utils import timezone

from minqing.cases.models import Case
from minqing.insights import figures
from minqing.regions.models import Level, Region
from minqing.supervision.alerts import alert_q

from . import boundaries

METRICS = ("intake", "red", "satisfaction")
MAX_POINTS = 2000
PUBLIC_DECIMALS = 3  # about 100 m: a public point never pins a door


class MapError(ValueError):
    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


def areas_of(region):
    """The county-level regions drawn for a region: its counties, or the county it lies in."""
    if region is None:
        return list(Region.objects.filter(level=Level.COUNTY).order_by("path"))
    if region.level in (Level.PROVINCE, Level.CITY):
        return list(Region.objects.filter(level=Level.COUNTY, path__startswith=region.path).order_by("path"))
    if region.level == Level.COUNTY:
        return [region]
    county = next((r for r in region.ancestors() if r.level == Level.COUNTY), None)
    return [county] if county else [region]


def window(date_from=None, date_to=None):
    to = date_to or timezone.localdate()
    frm = date_from or (to - dt.timedelta(days=89))
    if frm > to:
        raise MapError("from is after to", "from")
    return frm, to


def value_of(area, metric, frm, to):
    if metric == "red":
        return Case.objects.filter(alert_q("red"), region_path__startswith=area.path).count()
    scope = figures.Scope(region=area, date_from=frm, date_to=to)
    if metric == "intake":
        return Case.objects.filter(scope.case_filter()).count()
    rate = figures.compute(scope).get("satisfaction_rate")
    return None if rate is None else round(rate * 100, 1)


def points(region, cases_qs, visits_qs=None, public=False):
    out = []
    cases = cases_qs.filter(lat__isnull=False, lng__isnull=False)
    if region is not None:
        cases = cases.filter(region_path__startswith=region.path)
    for c in cases.order_by("-id").values("id", "tracking_code", "lat", "lng", "state")[:MAX_POINTS]:
        lat, lng = c["lat"], c["lng"]
        if public:
            lat, lng = round(lat, PUBLIC_DECIMALS), round(lng, PUBLIC_DECIMALS)
        point = {"kind": "case", "lat": lat, "lng": lng, "state": c["state"]}
        if not public:  # the tracking code opens a case's status: not on the public map
            point["code"] = c["tracking_code"]
        out.append(point)
    if visits_qs is not None and not public:
        visits = visits_qs.filter(lat__isnull=False, lng__isnull=False)
        if region is not None:
            visits = visits.filter(region_path__startswith=region.path)
        for v in visits.order_by("-date", "-id").values("id", "lat", "lng", "date")[:MAX_POINTS]:
            out.append({"kind": "visit", "lat": v["lat"], "lng": v["lng"], "id": v["id"],
                        "date": v["date"].isoformat()})
    return out


def build(region, metric, *, cases_qs, visits_qs=None, public=False, date_from=None, date_to=None):
    if metric not in METRICS:
        raise MapError(f"metric 应为 {'|'.join(METRICS)} / metric must be one of {', '.join(METRICS)}", "metric")
    frm, to = window(date_from, date_to)
    areas = areas_of(region)
    shapes = boundaries.outlines(areas)
    features = []
    for a in areas:
        features.append({
            "type": "Feature",
            "properties": {"code": a.code, "name": a.name, "value": value_of(a, metric, frm, to), "level": a.level},
            "geometry": shapes.get(a.code),
        })
    values = [f["properties"]["value"] for f in features if f["properties"]["value"] is not None]
    return {
        "type": "FeatureCollection",
        "features": features,
        "metric": metric,
        "region": region.code if region else None,
        "window": {"from": frm.isoformat(), "to": to.isoformat()},
        "range": [min(values), max(values)] if values else [0, 0],
        "boundaries": bool(shapes),
        "points": points(region, cases_qs, visits_qs, public=public),
    }
