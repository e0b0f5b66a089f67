"""GET /api/v1/reports fuzzed with schemathesis (as tests/test_api_fuzz.py does every operation): no 500,
and every response as the OpenAPI document declares it."""

import apifuzz
import pytest
from django.core.wsgi import get_wsgi_application


@pytest.mark.parametrize("who", ["admin", "leader_city"])
def test_reports_fuzzed(tworld, who):
    schema = apifuzz.load(get_wsgi_application()).include(path_regex="/reports$")
    figures = apifuzz.fuzz(schema, [tworld.tokens[who]], examples=20)
    assert figures.operations == 1
    assert figures.requests >= 20
    assert not figures.server_errors, "\n".join(map(str, figures.server_errors[:20]))
    assert not figures.violations, "\n".join(map(str, figures.violations[:20]))
