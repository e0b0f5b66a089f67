"""Every string of the import and staff pages has an English translation."""

import re
from pathlib import Path

from django.utils import translation

APP = Path(__import__("minqing.imports", fromlist=["x"]).__file__).parent
TRANS = re.compile(r"""{%\s*trans\s+"([^"]+)"\s*%}""")
BLOCK = re.compile(r"{%\s*blocktrans(?: with [^%]*?)?\s*%}(.*?){%\s*endblocktrans\s*%}", re.S)
PY = re.compile(r"""\b_\(\s*"([^"]*[\u4e00-\u9fff][^"]*)"\s*\)""")


def strings():
    out = set()
    for path in APP.glob("templates/**/*.html"):
        text = path.read_text()
        out |= set(TRANS.findall(text))
        out |= {re.sub(r"{{\s*(\w+)\s*}}", r"%(\1)s", b) for b in BLOCK.findall(text)}
    for path in APP.glob("*.py"):
        out |= set(PY.findall(path.read_text()))
    return sorted(s for s in out if re.search(r"[\u4e00-\u9fff]", s))


# the names of other apps' kinds (their models' verbose names): translated with those apps
OTHER_APPS = {"社区合伙人", "惠民政策"}


def test_every_string_of_the_import_pages_is_translated():
    found = [s for s in strings() if s not in OTHER_APPS]
    assert len(found) > 60
    with translation.override("en"):
        missing = [s for s in found if translation.gettext(s) == s]
    assert missing == []
