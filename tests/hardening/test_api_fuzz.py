"""The API survives schemathesis: every operation in /api/v1/openapi.json, fed
generated input by a member with a read-write token, never answers 5xx, never
answers a status code the schema does not list, and every body matches its schema.

The operations come from the schema when the test runs, so endpoints added later
are covered without touching this file. Bounded and derandomized: the same cases
on every run, a few seconds in CI.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from profiles.models import TokenScope
from profiles.services import token_create
from tests.factories import UserFactory
from tests.hardening.reporting import report_figure

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 10
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


@dataclass
class FuzzReport:
    operations: list[str] = field(default_factory=list)
    cases: int = 0
    failures: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"schemathesis: {len(self.operations)} operations, {self.cases} cases, "
            f"{len(self.failures)} failing operations"
        )


@contextlib.contextmanager
def connections_kept_open() -> Iterator[None]:
    """As Django's test client does: the WSGI handler would close the database
    connection after each request, and with it the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def fuzzing_member():
    """A member who may also read metrics, so the reporting endpoints answer 200
    as well as their refusals."""
    user = UserFactory()
    user.profile.is_community_manager = True
    user.profile.save(update_fields=["is_community_manager"])
    return user


def fuzz_operation(operation, app, headers_for_case, report: FuzzReport) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        # No shrinking: a failure is reported with its curl line, and CI stays bounded.
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case) -> None:
        report.cases += 1
        case.call_and_validate(app=app, headers=headers_for_case(), checks=CHECKS)

    run()


def test_every_api_operation_conforms_to_its_schema_under_generated_input(
    fuzzing_member, record_property, request
):
    app = get_wsgi_application()
    with connections_kept_open():
        report = fuzz_schema(app, fuzzing_member)

    record_property("schemathesis_operations", len(report.operations))
    record_property("schemathesis_cases", report.cases)
    record_property("schemathesis_failures", len(report.failures))
    report_figure(request.config, report.summary())
    assert report.operations, "the schema lists no operations"
    assert not report.failures, "\n\n".join(report.failures)


def fuzz_schema(app, member) -> FuzzReport:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)

    def fresh_token_headers() -> dict[str, str]:
        # A case may revoke the token it was sent with (POST .../revoke with a
        # generated id): a new token per case keeps every case authenticated.
        _token, secret = token_create(actor=member, name="fuzz", scope=TokenScope.READ_WRITE)
        return {"Authorization": f"Bearer {secret}"}

    report = FuzzReport()
    for result in schema.get_all_operations():
        operation = result.ok()
        report.operations.append(operation.label)
        try:
            fuzz_operation(operation, app, fresh_token_headers, report)
        except Exception as exc:  # one failing operation must not hide the others
            report.failures.append(f"{operation.label}:\n{exc}")

    return report


# --- what the fuzzer found -------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"body": "hello", "group": "a\x00b"}, 404),  # found on PostgreSQL: was a 500
        ({"body": "hel\x00lo"}, 422),
    ],
)
def test_a_nul_character_in_a_new_post_is_refused_not_a_server_error(
    fuzzing_member, client, payload, status
):
    # PostgreSQL refuses NUL in text: it must never reach a query or a row.
    _token, secret = token_create(actor=fuzzing_member, name="t", scope=TokenScope.READ_WRITE)
    response = client.post(
        "/api/v1/posts",
        payload,
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == status, response.content
