"""Subjects and cadres by name in the coverage figures, masked for the viewer.

``insights.figures.coverage`` answers with subject ids (it knows nothing of the viewer);
``name_coverage`` adds each listed subject's name as the viewer may see it (a household's
name masked by ``minqing.people.scoping.mask_name`` unless the viewer may see its contact
data, through ``actions.display_name``) and the region's name, in a few queries."""

from minqing.regions.models import Region

from . import actions
from .models import Pairing, Subject


def _subject_names(ids, actor):
    subjects = {s.external_id: s for s in Subject.objects.filter(external_id__in=set(ids)).select_related("region")}
    paired = set()
    if actor.user is not None and subjects:
        paired = set(Pairing.objects.filter(cadre=actor.user, subject__in=list(subjects.values()),
                                            until__isnull=True).values_list("subject_id", flat=True))
    out = {}
    for eid, s in subjects.items():
        full = actions.can_see_subject_contact(actor, s, s.pk in paired)
        out[eid] = (actions.display_name(s, full), s.region.name)
    return out


def name_coverage(result, actor):
    """Add ``name`` and ``region_name`` to the never-visited subjects, and to each rule the lists
    ``compliant_named`` / ``non_compliant_named`` ({external_id or region, name}). Returns ``result``."""
    vc = result.get("visit_coverage") or {}
    never = (vc.get("never_visited") or {}).get("subjects") or []
    rules = result.get("rules") or []
    ids = [s["external_id"] for s in never]
    codes = []
    for r in rules:
        target = codes if r["target"] == "village" else ids
        target += r["compliant_subjects"] + r["non_compliant_subjects"]
    freq = result.get("frequency_rules") or []
    for r in freq:
        ids += r["compliant_subjects"] + [x["external_id"] for x in r["non_compliant_subjects"]]
    names = _subject_names(ids, actor) if ids else {}
    regions = dict(Region.objects.filter(code__in=set(codes)).values_list("code", "name")) if codes else {}
    for s in never:
        s["name"], s["region_name"] = names.get(s["external_id"], ("", ""))
    for r in rules:
        for key in ("compliant", "non_compliant"):
            if r["target"] == "village":
                r[f"{key}_named"] = [{"region": c, "name": regions.get(c, c)} for c in r[f"{key}_subjects"]]
            else:
                r[f"{key}_named"] = [{"external_id": e, "name": names.get(e, ("", ""))[0]}
                                     for e in r[f"{key}_subjects"]]
    for r in freq:  # 频次规则: the non-compliant with their visits this month
        r["compliant_named"] = [{"external_id": e, "name": names.get(e, ("", ""))[0]} for e in r["compliant_subjects"]]
        r["non_compliant_named"] = [{"external_id": x["external_id"], "visits": x["visits"],
                                     "name": names.get(x["external_id"], ("", ""))[0]}
                                    for x in r["non_compliant_subjects"]]
    return result
