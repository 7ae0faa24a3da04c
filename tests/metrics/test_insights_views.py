"""The insights dashboard and the MT report downloads: who may see them, what
they show of the known October (tests/metrics/insights_fixture.py), bad input,
and a query count that does not grow with the organisation."""

import datetime as dt
import io
import json
import re

import pytest
from django.test import Client
from django.utils import timezone

from metrics.models import Baseline, EventKind, ParticipationEvent
from metrics.services import rollup_days
from tests.factories import DepartmentFactory, UserFactory
from tests.helpers import assert_constant_query_count
from tests.metrics.insights_fixture import build_organisation, noon

pytestmark = pytest.mark.django_db


@pytest.fixture
def organisation(settings):
    settings.TIME_ZONE = "Europe/Amsterdam"
    return build_organisation()


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def manager_client(organisation):
    community_manager = UserFactory(profile__is_community_manager=True)
    return _client_for(community_manager)


def _chart(html: str, key: str) -> dict:
    found = re.search(rf'<script id="chart-{key}" type="application/json">(.*?)</script>', html)
    assert found, f"no chart {key}"
    return json.loads(found.group(1))


def test_plain_member_may_not_read_insights(organisation):
    client = _client_for(organisation.people["s4"])
    assert client.get("/insights/").status_code == 403
    assert client.get("/insights/reports/2026-10.pdf").status_code == 403


def test_dashboard_shows_october_with_charts_and_tables(manager_client):
    response = manager_client.get("/insights/?month=2026-10")
    assert response.status_code == 200
    html = response.content.decode()
    assert _chart(html, "pyramid")["data"]["datasets"][0]["data"] == [2, 3, 5, 2]
    funnel = _chart(html, "funnel")["data"]["datasets"]
    assert [d["data"] for d in funnel] == [[10, 5, 2, 2], [5, 4, 2, 2]]
    assert _chart(html, "departments")["data"]["labels"] == ["Sales"]
    assert "Legal" not in html  # four members: never shown
    assert "Secret" not in html
    assert _chart(html, "hub-campaigns")["data"]["labels"] == ["Autumn"]
    assert "vendor/chart.umd.min.js" in html
    assert "/insights/reports/2026-10.pdf" in html


def test_dashboard_rejects_a_bad_or_future_month(manager_client):
    bad = manager_client.get("/insights/?month=2026-13")
    assert bad.status_code == 400
    assert "is not a month" in bad.content.decode()
    assert manager_client.get("/insights/?month=2999-01").status_code == 400


def test_dashboard_query_count_does_not_grow_with_members(manager_client):
    def grow():
        department = DepartmentFactory(name="Operations")
        for _n in range(6):
            member = UserFactory(date_joined=noon(1, 2), profile__department=department)
            ParticipationEvent.objects.create(
                actor=member,
                kind=EventKind.VISIT,
                occurred_at=noon(10, 9),
                department_id=department.pk,
            )
        rollup_days(dt.date(2026, 10, 9), dt.date(2026, 10, 9))

    assert_constant_query_count(lambda: manager_client.get("/insights/?month=2026-10"), grow)


def test_baseline_set_by_community_manager_only(organisation, manager_client):
    mt_member = _client_for(organisation.people["l1"])
    assert mt_member.post("/insights/baseline/", {"day": "2026-09-30"}).status_code == 403
    assert not Baseline.objects.exists()
    response = manager_client.post(
        "/insights/baseline/", {"day": "2026-09-30", "label": "Launch"}, follow=True
    )
    assert Baseline.objects.get().label == "Launch"
    assert "Baseline saved" in response.content.decode()
    html = manager_client.get("/insights/?month=2026-10").content.decode()
    assert "Since baseline" in html


def test_baseline_in_the_future_or_not_a_date_is_refused(manager_client):
    tomorrow = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    response = manager_client.post("/insights/baseline/", {"day": tomorrow}, follow=True)
    assert "cannot be in the future" in response.content.decode()
    response = manager_client.post("/insights/baseline/", {"day": "someday"}, follow=True)
    assert "Enter a valid date" in response.content.decode()
    assert not Baseline.objects.exists()


def test_report_downloads_in_every_format(manager_client):
    import openpyxl

    pdf = manager_client.get("/insights/reports/2026-10.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert 'filename="buzz-mt-report-2026-10.pdf"' in pdf["Content-Disposition"]
    xlsx = manager_client.get("/insights/reports/2026-10.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    summary = {row[0]: row[1:] for row in book["Summary"].iter_rows(min_row=3, values_only=True)}
    assert summary["Active members"][:2] == (10, 2)
    csv_text = manager_client.get("/insights/reports/2026-10.csv").content.decode()
    assert "2026-10,departments,Sales,Members,6" in csv_text
    html = manager_client.get("/insights/reports/2026-10.html").content.decode()
    assert "Participation report, October 2026" in html


def test_report_of_a_future_month_or_unknown_format_is_not_found(manager_client):
    assert manager_client.get("/insights/reports/2999-01.pdf").status_code == 404
    assert manager_client.get("/insights/reports/2026-10.doc").status_code == 404
    assert manager_client.get("/insights/reports/2026-13.pdf").status_code == 404
