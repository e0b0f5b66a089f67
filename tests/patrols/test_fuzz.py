"""The patrol and partner operations fuzzed with schemathesis like tests/test_api_fuzz.py (which covers every
operation, slow): no 500 and no answer outside the OpenAPI document, for an admin and a cadre."""

import os
import re

import apifuzz
import pytest
from django.core.wsgi import get_wsgi_application

from .conftest import make_cadre

MINE = re.compile(r"/(patrols|checklists|partners|wishes)|partner-")


@pytest.mark.parametrize("who", ["admin", "wang"])
def test_patrol_and_partner_operations_no_500(tworld, who, capsys):
    from casebuild import to_state

    from minqing.patrols import defaults

    defaults.install()
    make_cadre(tworld, "wang", name="王强")
    to_state(tworld, "in_progress")
    schema = apifuzz.load(get_wsgi_application())
    figures = apifuzz.Figures()
    examples = int(os.environ.get("MINQING_FUZZ_EXAMPLES", 15))
    for result in schema.get_all_operations():
        operation = result.ok()
        if not MINE.search(operation.path):
            continue
        figures.operations += 1
        for mode in (apifuzz.GenerationMode.POSITIVE, apifuzz.GenerationMode.NEGATIVE):
            apifuzz._run(operation, {"Authorization": f"Bearer {tworld.tokens[who]}"}, mode, examples, figures, None)
    with capsys.disabled():
        print(f"\n[{who}] {figures.line()}")
    assert figures.operations >= 15
    assert not figures.server_errors, "\n".join(map(str, figures.server_errors[:20]))
    assert not figures.violations, "\n".join(map(str, figures.violations[:20]))
