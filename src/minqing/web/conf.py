"""The pages' settings: ``settings.MINQING_WEB`` (a dict) over these defaults."""

from django.conf import settings

DEFAULTS = {
    "REPORT_RATE": (10, 600),  # public report form: submissions per client per seconds
    "VISIT_RATE": (10, 600),  # public return-visit form, the same
    "MAX_PHOTO_BYTES": 5 * 1024 * 1024,
    "MAX_PHOTO_PIXELS": 50_000_000,  # more pixels than this is refused before decoding (decompression bombs)
    "PENDING_UPLOAD_MAX_AGE": 86400,  # seconds a photo kept over a form error stays usable
    "FIGURES_MAX_STALE": 120,  # see figcache.cached_figures
    "FIGURES_SLOW": 1.0,
    "FIGURES_MAX_SERVE_STALE": 900,
    "RANK_MIN_CASES": 10,  # departments with fewer cases in the window are listed, not ranked
}


def web_setting(name):
    return getattr(settings, "MINQING_WEB", {}).get(name, DEFAULTS[name])
