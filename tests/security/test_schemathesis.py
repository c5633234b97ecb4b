"""Fuzz the REST API from its own OpenAPI document (Schemathesis, in process
through the WSGI app): no 5xx, and every answer matches the documented status
codes, content types and schemas. Bounded so it runs in CI: EXAMPLES examples
per operation, derandomised so a failure reproduces.

(Schemathesis' own pytest plugin does not run under pytest 9 yet, so each
operation is a parametrised case driving a Hypothesis strategy itself.)"""
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from workflow.api.openapi import build_spec

EXAMPLES = 10  # per API operation; stated in the README
SPEC = build_spec()
_schema = schemathesis.openapi.from_dict(SPEC)
OPERATIONS = sorted(result.ok().label for result in _schema.get_all_operations())


@pytest.mark.parametrize("label", OPERATIONS)
def test_api_answers_fuzzed_requests_without_5xx_and_as_documented(label, app, world):
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                                   status_code_conformance)

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operation = schema.find_operation_by_label(label)
    # Schemathesis' WSGI transport does not undo compression (workflow/compression.py,
    # tested in tests/integration/test_compression.py): it asks for plain bodies.
    headers = {"Authorization": f"Bearer {world.tokens['admin']}", "Accept-Encoding": "identity"}

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def fuzz(case):
        response = case.call(headers=headers)
        case.validate_response(response, checks=(not_a_server_error, status_code_conformance,
                                                 content_type_conformance, response_schema_conformance))

    fuzz()
