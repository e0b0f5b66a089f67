"""Every string of the pages has an English translation in the shipped catalogue."""

import re
from pathlib import Path

from django.utils import translation

WEB = Path(__import__("minqing.web", fromlist=["x"]).__file__).parent
TEMPLATES = [*WEB.glob("templates/**/*.html"), WEB.parent / "templates" / "base.html"]
TRANS_TAG = re.compile(r"""{%\s*trans\s+"([^"]+)"\s*%}""")
PY_CALL = re.compile(r"""\b(?:_|gettext|gettext_lazy|gettext_noop)\(\s*"([^"]*[\u4e00-\u9fff][^"]*)"\s*\)""")


def strings():
    out = set()
    for path in TEMPLATES:
        out |= set(TRANS_TAG.findall(path.read_text()))
    for path in WEB.glob("**/*.py"):
        out |= set(PY_CALL.findall(path.read_text()))
    return sorted(s for s in out if re.search(r"[\u4e00-\u9fff]", s))


def test_every_page_string_is_translated():
    found = strings()
    assert len(found) > 150
    with translation.override("en"):
        # a template's "%" reaches the catalogue as "%%"
        missing = [s for s in found if translation.gettext(s) == s and translation.gettext(s.replace("%", "%%")) ==
                   s.replace("%", "%%")]
    assert missing == []


def test_the_compiled_catalogue_is_not_older_than_its_source():
    po = WEB.parent / "locale" / "en" / "LC_MESSAGES" / "django.po"
    mo = po.with_suffix(".mo")
    assert mo.exists() and mo.stat().st_size > 1000
    with translation.override("en"):
        assert translation.gettext("我要反映问题或建议") == "Report a problem or a suggestion"
