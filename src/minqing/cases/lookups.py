"""Regions and categories by code, cached per process for registration's hot path.

Every registration names a region and a category by code; both tables are small
and change rarely (an import, an edit in the admin). A hit is kept for
``TTL`` seconds and the whole cache is dropped on any save or delete of either
model in this process, and by the region importer; another process sees an
edit within ``TTL`` seconds.
"""

import time

from django.db.models.signals import post_delete, post_migrate, post_save

TTL = 30.0
_cache = {}


def cached(key, loader):
    now = time.monotonic()
    hit = _cache.get(key)
    if hit is not None and now - hit[0] < TTL:
        return hit[1]
    value = loader()
    _cache[key] = (now, value)
    return value


def clear(*args, **kwargs):
    _cache.clear()


def connect():
    from minqing.regions.models import Department, Region

    from .models import Category

    for model in (Region, Category, Department):
        post_save.connect(clear, sender=model, dispatch_uid=f"lookups-save-{model.__name__}")
        post_delete.connect(clear, sender=model, dispatch_uid=f"lookups-delete-{model.__name__}")
    post_migrate.connect(clear, dispatch_uid="lookups-migrate")
