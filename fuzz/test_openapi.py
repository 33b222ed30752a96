"""Every operation of /api/v1/openapi.json, with generated (valid and invalid) input: never a 500."""
from __future__ import annotations

import os

import schemathesis
from hypothesis import HealthCheck, settings

from .conftest import TALLY, build_app

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))
APP = build_app()
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", APP)


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_no_operation_answers_500(case):
    """Each generated request is sent as the administrator and as a family member."""
    statuses = {}
    for role in ("admin", "family"):
        response = case.call(headers={"Authorization": f"Bearer {APP.config[f'FUZZ_TOKEN_{role.upper()}']}"})
        TALLY.requests += 1
        TALLY.statuses[response.status_code] = TALLY.statuses.get(response.status_code, 0) + 1
        statuses[role] = response.status_code
        if response.status_code >= 500:
            TALLY.server_errors.append(f"{case.method} {case.path} as {role}: {response.status_code}")
    assert max(statuses.values()) < 500, (statuses, case.as_curl_command())
