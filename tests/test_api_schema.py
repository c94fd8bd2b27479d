"""Schemathesis, in-process against the served OpenAPI document, with all its checks.

Every operation is called with generated valid and invalid requests (a token with every scope):
no 5xx, every status and body as documented, unknown parameters and bad bodies refused, the
token actually required. A handful of examples per operation keeps it under a minute.
"""
from __future__ import annotations

from typing import Any, Callable

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig

from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.api import service
from lms.extensions import db
from lms.orgs.models import Department, Organization

EXAMPLES = 15
# Every check, with one documented widening: a check-in that fits the document may still break a rule the
# document cannot state (a tool or task outside this company's own list, a person who is not an employee),
# and the API answers that 422 exactly as the form does. Everything else keeps the default expectations.
# Usage events likewise: a person the company doesn't have, or a time more than 400 days ago or in the future,
# fits the document and is refused 422; an id sent again with other content is 409.
CONFIG = SchemathesisConfig.from_dict({"operations": [{
    "include-path": "/api/v1/checkins", "include-method": "POST",
    "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "401", "403", "404", "409", "422", "429"]}},
}, {
    "include-path": "/api/v1/usage-events", "include-method": "POST",
    "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "401", "403", "409", "422", "429"]}},
}]})


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"LMS_API_RATE_LIMIT": 1_000_000}


@pytest.fixture
def api_token(app: Any, create_org: Callable[..., Organization], create_user: Callable[..., User]) -> str:
    org = create_org()
    dept = Department(org_id=org.id, name="営業部")
    db.session.add(dept)
    db.session.commit()
    admin = create_user(org, roles=(Role.ORG_ADMIN, Role.EMPLOYEE))
    for _ in range(3):
        create_user(org, department_id=dept.id)
    _, secret = service.create_token(org, name="schemathesis", scopes=list(service.SCOPES), days=1, actor=admin)
    db.session.commit()
    return secret


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_api_keeps_to_its_document(app: Any, api_token: str, mode: GenerationMode) -> None:
    # schemathesis' own pytest loader (`from_fixture`) does not run under pytest 9, so each
    # operation's strategy is driven here with Hypothesis; the checks are the same, all of them.
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=CONFIG)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 8
    headers = {"Authorization": f"Bearer {api_token}"}
    for operation in operations:
        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def run(case: Any) -> None:
            case.call_and_validate(headers=headers)

        run()


def test_the_documented_text_pattern_is_the_input_rule() -> None:
    import re

    from lms import textrule
    from lms.api.schemas import MULTI_LINE_PATTERN, ONE_LINE_PATTERN

    one, multi = re.compile(ONE_LINE_PATTERN), re.compile(MULTI_LINE_PATTERN)
    for point in range(0x10000):
        char = chr(point)
        # fullmatch: the document's `$` is ECMA-262's (the very end), not Python's (before a final newline)
        assert bool(one.fullmatch(char)) == textrule.is_acceptable(char, multiline=False), hex(point)
        assert bool(multi.fullmatch(char)) == textrule.is_acceptable(char, multiline=True), hex(point)
