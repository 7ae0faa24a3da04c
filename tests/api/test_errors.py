"""One error shape everywhere, also for what nobody planned."""

import pytest
from django.test import Client

import metrics.api
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_an_unexpected_error_is_a_500_in_the_envelope_and_is_reported(monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(metrics.api, "rollups_for_report", broken)
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(is_staff=True))
    response = client.get("/api/v1/metrics/rollups", {"since": "2026-10-05"})
    assert response.status_code == 500
    assert response.json() == {
        "error": {"code": "server_error", "message": "Something went wrong.", "fields": {}}
    }
    assert "boom" not in response.content.decode()
    assert any("API error on GET /api/v1/metrics/rollups" in r.message for r in caplog.records)


def test_the_test_client_still_hears_of_unexpected_errors(monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(metrics.api, "rollups_for_report", broken)
    client = Client()
    client.force_login(UserFactory(is_staff=True))
    with pytest.raises(RuntimeError, match="boom"):
        client.get("/api/v1/metrics/rollups", {"since": "2026-10-05"})
