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


def test_an_english_browser_sees_chinese_until_the_person_chooses_english(db):
    from django.test import Client

    c = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    resp = c.get("/report/")
    html = resp.content.decode()
    assert "我要反映问题或建议" in html and "Report a problem or a suggestion" not in html
    assert 'lang="zh-hans"' in html and resp["Content-Language"] == "zh-hans"
    assert "Cookie" in resp["Vary"]
    # the switch stores the choice; from then on the pages are in English …
    assert c.post("/i18n/setlang/", {"language": "en", "next": "/report/"}).status_code == 302
    html = c.get("/report/").content.decode()
    assert "Report a problem or a suggestion" in html and 'lang="en"' in html
    # … and switching back is Chinese again, whatever the browser says
    c.post("/i18n/setlang/", {"language": "zh-hans", "next": "/report/"})
    assert "我要反映问题或建议" in c.get("/report/").content.decode()


def test_an_unknown_language_cookie_is_chinese(db):
    from django.conf import settings
    from django.test import Client

    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "xx-klingon"
    assert "我要反映问题或建议" in c.get("/report/").content.decode()
