"""Property-based fuzzing of the whole API with schemathesis, against a live server on the real
PostgreSQL, authenticated with the commission user's API token (the widest scope in the world).

Bounded and deterministic: `MAX_EXAMPLES` examples per operation and generation mode, a fixed
derandomised seed, a 10-second timeout per request. Schema-valid data: no 5xx, a documented status
code, content type and body as the schema says. Schema-invalid data: never a 5xx.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import requires_services

MAX_EXAMPLES = 20
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def fuzz_token(transactional_db, world):
    return Token.objects.create(user=world.users["commission"]).key


def _fuzz(operation, *, base_url: str, token: str, mode: GenerationMode) -> None:
    # Schema-valid data must conform fully; schema-invalid data (wrong types, missing fields) must
    # be refused with a 4xx — never a 500.
    checks = CHECKS if mode == GenerationMode.POSITIVE else [not_a_server_error]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,  # the same examples on every run
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],  # no shrinking: report the first failure, fast
    )
    def run(case):
        case.call_and_validate(
            base_url=base_url, headers={"Authorization": f"Token {token}"}, checks=checks, timeout=10
        )

    run()


@requires_services
def test_api_conforms_to_its_schema(live_server, fuzz_token):
    """Every operation of /api/schema/ (schemathesis' pytest plugin and pytest 9 disagree, so the
    operations are walked here, each with its own bounded Hypothesis run)."""
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/?format=json", timeout=30)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    failures = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _fuzz(operation, base_url=live_server.url, token=fuzz_token, mode=mode)
            except (Exception, BaseExceptionGroup) as exc:
                failures.append(f"{operation.method.upper()} {operation.path} ({mode}): {exc}")
    report = (
        f"schemathesis: {len(operations)} operations × (positive + negative data) × up to {MAX_EXAMPLES} "
        f"examples, seed derandomised; {len(failures)} failing"
    )
    print(report)  # noqa: T201
    Path("test-artifacts").mkdir(exist_ok=True)
    Path("test-artifacts/schemathesis.txt").write_text(
        report + "\n\n" + "\n\n".join(failures) + "\n", encoding="utf-8"
    )
    assert not failures, "\n\n".join(failures)
