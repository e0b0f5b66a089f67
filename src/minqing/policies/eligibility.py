"""Which subjects a policy is for: one queryset over ``visits.Subject``, read when asked, so
that a subject registered, moved or re-tagged (by a page, the API or ``minqing import
subjects``, which writes in bulk) is matched by its current data with nothing to rebuild."""

import re

from django.db.models import Exists, OuterRef, Q, TextField
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from minqing.visits.models import Subject, SubjectTag

from .models import Delivery

# an identifier without "__" (a key, never a lookup path); read as text with KT, so "exact" or
# "contains" are keys like any other
ATTR_KEY = re.compile(r"^(?=.{1,50}$)[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*$")


def eligible(policy, qs=None):
    """The subjects ``policy`` is for (delivered or not)."""
    qs = Subject.objects.all() if qs is None else qs
    qs = qs.filter(kind=policy.kind)
    if policy.region_id:
        qs = qs.filter(region_path__startswith=policy.region_path)
    for tag in policy.tags_all or ():
        qs = qs.filter(Exists(SubjectTag.objects.filter(subject=OuterRef("pk"), tag__name=tag)))
    if policy.tags_any:
        qs = qs.filter(Exists(SubjectTag.objects.filter(subject=OuterRef("pk"), tag__name__in=list(policy.tags_any))))
    for i, (key, value) in enumerate(sorted((policy.attrs or {}).items())):
        if not ATTR_KEY.match(key):  # stored before the rule: matches nothing rather than a lookup
            return qs.none()
        name = f"_attr{i}"
        values = [str(v) for v in value] if isinstance(value, list) else [str(value)]
        qs = qs.alias(**{name: Cast(KT(f"extra__{key}"), TextField())}).filter(**{f"{name}__in": values})
    return qs


def delivered_q(policy):
    return Exists(Delivery.objects.filter(policy=policy, subject=OuterRef("pk")))


def not_served(policy, qs=None):
    return eligible(policy, qs).exclude(delivered_q(policy))


def is_eligible(policy, subject):
    return eligible(policy, Subject.objects.filter(pk=subject.pk)).exists()


def region_q(region, field="region_path"):
    return Q() if region is None else Q(**{f"{field}__startswith": region.path})
