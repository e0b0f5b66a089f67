"""Fuzz every operation of the OpenAPI document with schemathesis (4.x), bounded and
repeatable: a fixed number of examples per operation and generation mode, derandomized
(hypothesis' fixed seed), each request sent with a bearer token. Used by
tests/test_api_fuzz.py; ``python tests/apifuzz.py`` is not a thing — the test prints
the figures (operations, requests, statuses, 500s, schema violations)."""

from collections import Counter
from dataclasses import dataclass, field

import hypothesis
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hsettings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@dataclass
class Figures:
    operations: int = 0
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    server_errors: list = field(default_factory=list)  # (operation, method path, status, body head)
    violations: list = field(default_factory=list)  # (operation, failure title, message head)

    def line(self):
        top = ", ".join(f"{k}: {v}" for k, v in sorted(self.statuses.items()))
        return (f"{self.operations} operations, {self.requests} requests, {len(self.server_errors)} × 500, "
                f"{len(self.violations)} schema violations ({top})")


def load(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def fuzz(schema, tokens, *, examples=25, modes=(GenerationMode.POSITIVE, GenerationMode.NEGATIVE), on_request=None):
    figures = Figures()
    for result in schema.get_all_operations():
        operation = result.ok()
        figures.operations += 1
        for token in tokens:
            headers = {"Authorization": f"Bearer {token}"}
            for mode in modes:
                _run(operation, headers, mode, examples, figures, on_request)
    return figures


def _run(operation, headers, mode, examples, figures, on_request):
    label = f"{operation.method.upper()} {operation.path}"

    @hsettings(max_examples=examples, derandomize=True, deadline=None, database=None,
               phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
               verbosity=hypothesis.Verbosity.quiet)
    @given(case=operation.as_strategy(generation_mode=mode))
    def one(case):
        if on_request:
            on_request(case)
        response = case.call(headers=headers)
        figures.requests += 1
        figures.statuses[response.status_code] += 1
        if response.status_code >= 500:
            figures.server_errors.append((label, case.formatted_path, response.status_code, response.text[:300]))
            return
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (AssertionError, BaseExceptionGroup) as e:  # schemathesis' Failure or FailureGroup
            failures = getattr(e, "exceptions", None) or [e]
            for f in failures:
                figures.violations.append((label, getattr(f, "title", type(f).__name__), str(f)[:300]))

    try:
        one()
    except hypothesis.errors.Unsatisfiable:
        pass  # an operation whose every negative case is filtered out (nothing to send)
