"""The survey operations fuzzed with schemathesis (as tests/test_api_fuzz.py does for the whole
API, which runs as a slow suite): with an admin's, a leader's and a surveyor's token, valid and
invalid data; no 500 and no response outside the OpenAPI document."""

import datetime as dt
import os

import apifuzz
import pytest
from django.core.wsgi import get_wsgi_application

from .conftest import add_surveyors, populate, today

EXAMPLES = int(os.environ.get("MINQING_FUZZ_EXAMPLES", "15"))


@pytest.mark.slow  # 540 requests: minutes on the shared machine
def test_survey_operations_no_500_and_no_schema_violation(tworld, capsys):
    from minqing.surveys.actions import do_create_survey

    add_surveyors(tworld)
    populate(tworld, 2, 2, 1)
    do_create_survey(tworld.actor("admin"), region="430200", date_from=today() - dt.timedelta(days=3),
                     date_to=today(), per_department=5)  # survey 1 exists, with cases 1.. in its sample
    schema = apifuzz.load(get_wsgi_application()).include(path_regex="/surveys")
    tokens = [tworld.tokens[w] for w in ("admin", "leader_city", "surv_lk")]
    figures = apifuzz.fuzz(schema, tokens, examples=EXAMPLES)
    with capsys.disabled():
        print(f"\n[surveys] {figures.line()}")
    assert figures.operations == 6
    assert not figures.server_errors, "\n".join(map(str, figures.server_errors[:20]))
    assert not figures.violations, "\n".join(map(str, figures.violations[:20]))
