"""Property-based run of every API v1 operation against the live OpenAPI document (schemathesis).

Bounded (a few examples per operation) so the suite stays fast. Fails on any 5xx, on a response that does not
match the documented schema, status codes or content type.
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from contacts import services
from smartalex.wsgi import application
from tests.factories import make_contact

schema = schemathesis.openapi.from_wsgi("/v1/openapi.json", application)
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]


@pytest.fixture
def in_test_transaction():
    """Requests through the WSGI app must not close the test's database connection (Django's test Client
    disconnects the same signal handlers); on PostgreSQL that connection holds the test's transaction."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_key(workspace, in_test_transaction):
    contact = make_contact(workspace, "+14155550100", first_name="Ada")
    services.campaign_create(workspace=workspace, name="Spring")
    services.call_log(workspace=workspace, contact=contact)
    services.dnc_add_number(workspace=workspace, phone="+14155550101", reason="asked")
    _, raw = services.api_key_create(workspace=workspace, name="schemathesis")
    return raw


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=20, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_api_never_errors_and_matches_its_schema(case, api_key):
    case.call_and_validate(headers={"Authorization": f"Bearer {api_key}"}, checks=CHECKS)
