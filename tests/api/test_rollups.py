"""GET /api/v1/metrics/rollups: daily rollups for BI tools, as JSON or CSV.
Only insight readers; departments from five active members; never secret
groups; never per member. Expected rows are written out by hand."""

import csv
import datetime as dt
import io
import math

import pytest
from django.test import Client
from django.utils import timezone

from groups.models import Visibility
from metrics.models import DailyRollup, RollupScope
from tests.api.conftest import bearer, token_for
from tests.factories import DepartmentFactory, GroupFactory, ProfileFactory, UserFactory
from tests.helpers import assert_constant_query_count, count_queries

pytestmark = pytest.mark.django_db

URL = "/api/v1/metrics/rollups"
D1, D2, D3 = dt.date(2026, 10, 5), dt.date(2026, 10, 6), dt.date(2026, 10, 7)


def department_with(active: int, inactive: int = 0, name: str = ""):
    department = DepartmentFactory(**({"name": name} if name else {}))
    for _ in range(active):
        ProfileFactory(department=department)
    for _ in range(inactive):
        ProfileFactory(department=department, user__is_active=False)
    return department


def rollup(day, metric, scope, scope_id=0, value=1):
    return DailyRollup.objects.create(
        day=day, metric=metric, scope=scope, scope_id=scope_id, value=value
    )


def row(day, metric, scope, scope_id, value):
    return {
        "day": day.isoformat(),
        "metric": metric,
        "scope": scope,
        "scope_id": scope_id,
        "value": value,
    }


@pytest.fixture
def reader_client(insights_reader):
    client = Client()
    client.force_login(insights_reader)
    return client


@pytest.fixture
def world():
    """Rollups of every scope: a big and a small department, an open, a closed
    and a secret group, and per-member rows that must never leave."""
    big = department_with(5)
    small = department_with(4)
    almost = department_with(4, inactive=1)  # five profiles, four of them active
    open_group = GroupFactory(visibility=Visibility.OPEN)
    closed_group = GroupFactory(visibility=Visibility.CLOSED)
    secret_group = GroupFactory(visibility=Visibility.SECRET)
    someone = UserFactory()
    rollup(D1, "post", RollupScope.ALL, 0, 10)
    rollup(D1, "post", RollupScope.DEPARTMENT, big.pk, 6)
    rollup(D1, "post", RollupScope.DEPARTMENT, small.pk, 3)
    rollup(D1, "post", RollupScope.DEPARTMENT, almost.pk, 1)
    rollup(D1, "post", RollupScope.GROUP, open_group.pk, 4)
    rollup(D1, "post", RollupScope.GROUP, closed_group.pk, 2)
    rollup(D1, "post", RollupScope.GROUP, secret_group.pk, 4)
    rollup(D1, "post", RollupScope.MEMBER, someone.pk, 10)
    rollup(D1, "share", RollupScope.ALL, 0, 3)
    rollup(D1, "share:linkedin", RollupScope.ALL, 0, 2)
    rollup(D1, "share:x", RollupScope.ALL, 0, 1)
    rollup(D2, "comment", RollupScope.ALL, 0, 7)
    rollup(D2, "comment", RollupScope.DEPARTMENT, big.pk, 7)
    rollup(D2, "comment", RollupScope.GROUP, secret_group.pk, 7)
    rollup(D3, "post", RollupScope.ALL, 0, 1)
    return {
        "big": big,
        "small": small,
        "almost": almost,
        "open": open_group,
        "closed": closed_group,
        "secret": secret_group,
        "someone": someone,
    }


def test_rollups_as_exact_json(reader_client, world):
    response = reader_client.get(URL, {"since": "2026-10-05", "until": "2026-10-06"})
    assert response.status_code == 200, response.content
    big, opened, closed = world["big"].pk, world["open"].pk, world["closed"].pk
    assert response.json() == {
        "items": [
            row(D1, "post", "all", 0, 10),
            row(D1, "post", "department", big, 6),
            *sorted(
                [row(D1, "post", "group", opened, 4), row(D1, "post", "group", closed, 2)],
                key=lambda r: r["scope_id"],
            ),
            row(D1, "share", "all", 0, 3),
            row(D1, "share:linkedin", "all", 0, 2),
            row(D1, "share:x", "all", 0, 1),
            row(D2, "comment", "all", 0, 7),
            row(D2, "comment", "department", big, 7),
        ],
        "next_cursor": None,
    }


def test_until_defaults_to_today(reader_client):
    today = timezone.localdate()
    rollup(today, "post", RollupScope.ALL, 0, 5)
    rollup(today + dt.timedelta(days=1), "post", RollupScope.ALL, 0, 9)  # not yet
    since = (today - dt.timedelta(days=3)).isoformat()
    response = reader_client.get(URL, {"since": since})
    assert response.json()["items"] == [row(today, "post", "all", 0, 5)]


def test_since_and_until_are_inclusive(reader_client, world):
    response = reader_client.get(URL, {"since": "2026-10-06", "until": "2026-10-07"})
    assert {item["day"] for item in response.json()["items"]} == {"2026-10-06", "2026-10-07"}


@pytest.mark.parametrize(
    "metric",
    [["post", "comment"], ["post,comment"], ["post, comment", "post"]],
    ids=["repeated", "comma-list", "both-with-spaces-and-duplicates"],
)
def test_metric_filter_repeated_or_comma_separated(reader_client, world, metric):
    response = reader_client.get(
        URL, {"since": "2026-10-05", "until": "2026-10-07", "metric": metric, "scope": "all"}
    )
    assert response.json()["items"] == [
        row(D1, "post", "all", 0, 10),
        row(D2, "comment", "all", 0, 7),
        row(D3, "post", "all", 0, 1),
    ]


def test_network_metrics(reader_client, world):
    response = reader_client.get(
        URL, {"since": "2026-10-05", "until": "2026-10-05", "metric": "share:linkedin"}
    )
    assert response.json()["items"] == [row(D1, "share:linkedin", "all", 0, 2)]


def test_scope_and_scope_id_filters(reader_client, world):
    params = {"since": "2026-10-05", "until": "2026-10-07"}
    departments = reader_client.get(URL, {**params, "scope": "department"}).json()["items"]
    assert departments == [
        row(D1, "post", "department", world["big"].pk, 6),
        row(D2, "comment", "department", world["big"].pk, 7),
    ]
    one_group = reader_client.get(
        URL, {**params, "scope": "group", "scope_id": world["closed"].pk}
    ).json()["items"]
    assert one_group == [row(D1, "post", "group", world["closed"].pk, 2)]


def test_small_department_is_hidden_even_when_asked_for_by_id(reader_client, world):
    params = {"since": "2026-10-05", "until": "2026-10-07", "scope": "department"}
    for name in ["small", "almost"]:
        response = reader_client.get(URL, {**params, "scope_id": world[name].pk})
        assert response.status_code == 200
        assert response.json() == {"items": [], "next_cursor": None}


def test_department_shows_from_its_fifth_active_member(reader_client, world):
    params = {"since": "2026-10-05", "until": "2026-10-05", "scope": "department"}
    ProfileFactory(department=world["small"])
    ids = {item["scope_id"] for item in reader_client.get(URL, params).json()["items"]}
    assert ids == {world["big"].pk, world["small"].pk}


def test_secret_group_is_hidden_even_from_its_own_members(reader_client, insights_reader, world):
    from groups.models import Membership

    Membership.objects.create(group=world["secret"], user=insights_reader)
    params = {"since": "2026-10-05", "until": "2026-10-07"}
    everything = reader_client.get(URL, params).json()["items"]
    assert world["secret"].pk not in {i["scope_id"] for i in everything if i["scope"] == "group"}
    by_id = reader_client.get(URL, {**params, "scope": "group", "scope_id": world["secret"].pk})
    assert by_id.json() == {"items": [], "next_cursor": None}


def test_member_rows_never_leave(reader_client, world):
    items = reader_client.get(URL, {"since": "2026-10-05", "until": "2026-10-07"}).json()["items"]
    assert "member" not in {item["scope"] for item in items}
    assert 10 not in {i["value"] for i in items if i["scope"] != "all"}


def test_member_scope_is_refused(reader_client, world):
    response = reader_client.get(URL, {"since": "2026-10-05", "scope": "member"})
    assert response.status_code == 422
    assert "Per-member figures" in response.json()["error"]["fields"]["scope"][0]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "since"),
        ({"since": "yesterday"}, "since"),
        ({"since": "2026-02-30"}, "since"),
        ({"since": "2026-10-05", "until": "2026-13-01"}, "until"),
        ({"since": "2026-10-05", "until": "2026-10-04"}, "until"),
        ({"since": "2026-10-05", "metric": "posts"}, "metric"),
        ({"since": "2026-10-05", "metric": "post,share:myspace"}, "metric"),
        ({"since": "2026-10-05", "scope": "planet"}, "scope"),
        ({"since": "2026-10-05", "scope_id": "3"}, "scope_id"),
        ({"since": "2026-10-05", "scope": "all", "scope_id": "3"}, "scope_id"),
        ({"since": "2026-10-05", "scope": "group", "scope_id": "x"}, "scope_id"),
        ({"since": "2026-10-05", "limit": "0"}, "limit"),
        ({"since": "2026-10-05", "limit": "5001"}, "limit"),
        ({"since": "2026-10-05", "cursor": "not-a-cursor"}, "cursor"),
        ({"since": "2026-10-05", "format": "xml"}, "format"),
    ],
)
def test_bad_parameters_are_422_with_field_errors(reader_client, params, field):
    response = reader_client.get(URL, params)
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == [field]
    assert all(isinstance(m, str) and m for m in error["fields"][field])


def test_unknown_metric_names_the_wrong_ones(reader_client):
    response = reader_client.get(URL, {"since": "2026-10-05", "metric": "post,posts,clicks"})
    assert response.json()["error"]["fields"]["metric"] == ["Unknown metric: posts, clicks."]


def test_span_of_366_days_is_allowed_and_367_refused(reader_client):
    since = dt.date(2025, 1, 1)
    ok = reader_client.get(URL, {"since": since, "until": since + dt.timedelta(days=365)})
    assert ok.status_code == 200
    too_long = reader_client.get(URL, {"since": since, "until": since + dt.timedelta(days=366)})
    assert too_long.status_code == 422
    assert "366" in too_long.json()["error"]["fields"]["until"][0]


def test_plain_member_is_refused_403(member_client, world):
    response = member_client.get(URL, {"since": "2026-10-05"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_plain_members_token_is_refused_403(client, member):
    _token, secret = token_for(member)
    response = client.get(URL, {"since": "2026-10-05"}, headers=bearer(secret))
    assert response.status_code == 403


def test_unauthenticated_is_401(client):
    response = client.get(URL, {"since": "2026-10-05"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


@pytest.mark.parametrize("flag", ["is_mt_member", "is_community_manager", "staff"])
def test_insight_readers_read_with_a_read_token(client, world, flag):
    user = UserFactory(is_staff=flag == "staff")
    if flag != "staff":
        setattr(user.profile, flag, True)
        user.profile.save()
    _token, secret = token_for(user)
    response = client.get(
        URL, {"since": "2026-10-05", "until": "2026-10-05", "scope": "all"}, headers=bearer(secret)
    )
    assert response.status_code == 200
    assert len(response.json()["items"]) == 4


def _walk(client, params, limit):
    seen, cursor, pages = [], None, 0
    while True:
        page = client.get(URL, {**params, "limit": limit, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.content
        body = page.json()
        assert len(body["items"]) <= limit
        seen.extend(body["items"])
        pages += 1
        if body["next_cursor"] is None:
            return seen, pages
        cursor = body["next_cursor"]


@pytest.mark.parametrize("limit", [1, 2, 3, 7, 500])
def test_cursor_pagination_returns_every_row_exactly_once_in_order(reader_client, world, limit):
    params = {"since": "2026-10-05", "until": "2026-10-07"}
    everything = reader_client.get(URL, params).json()["items"]
    assert len(everything) == 10
    walked, pages = _walk(reader_client, params, limit)
    assert walked == everything
    assert pages == math.ceil(len(everything) / limit)
    keys = [(i["day"], i["metric"], i["scope"], i["scope_id"]) for i in walked]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)


def _csv_rows(response):
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    reader = csv.DictReader(io.StringIO(response.content.decode()))
    assert reader.fieldnames == ["day", "metric", "scope", "scope_id", "value"]
    return [{**r, "scope_id": int(r["scope_id"]), "value": int(r["value"])} for r in reader]


def test_csv_gives_the_same_rows_as_json(reader_client, world):
    params = {"since": "2026-10-05", "until": "2026-10-07"}
    as_json = reader_client.get(URL, params).json()["items"]
    assert _csv_rows(reader_client.get(URL, {**params, "format": "csv"})) == as_json
    by_accept = reader_client.get(URL, params, headers={"Accept": "text/csv"})
    assert _csv_rows(by_accept) == as_json


def test_responses_vary_on_accept(reader_client, world):
    for params in [{}, {"format": "csv"}]:
        response = reader_client.get(URL, {"since": "2026-10-05", **params})
        assert "Accept" in response["Vary"]


def test_format_json_wins_over_accept(reader_client, world):
    response = reader_client.get(
        URL, {"since": "2026-10-05", "format": "json"}, headers={"Accept": "text/csv"}
    )
    assert response["Content-Type"].startswith("application/json")


def test_csv_pages_carry_the_next_cursor_in_headers(reader_client, world):
    params = {"since": "2026-10-05", "until": "2026-10-07", "format": "csv", "limit": 4}
    first = reader_client.get(URL, params)
    rows = _csv_rows(first)
    assert len(rows) == 4
    cursor = first["X-Next-Cursor"]
    assert first["Link"].endswith('>; rel="next"')
    assert f"cursor={cursor}" in first["Link"]
    assert "format=csv" in first["Link"]
    seen = list(rows)
    while cursor:
        page = reader_client.get(URL, {**params, "cursor": cursor})
        seen += _csv_rows(page)
        cursor = page.headers.get("X-Next-Cursor")
    everything = reader_client.get(URL, {"since": "2026-10-05", "until": "2026-10-07"})
    assert seen == everything.json()["items"]


def test_csv_errors_are_still_the_json_envelope(reader_client):
    response = reader_client.get(URL, {"since": "bad", "format": "csv"})
    assert response.status_code == 422
    assert response.json()["error"]["fields"]["since"]


def test_query_count_does_not_grow_with_the_page(reader_client, world):
    params = {"since": "2026-10-01", "until": "2026-10-31", "limit": 5000}
    groups = [GroupFactory() for _ in range(3)]
    departments = [department_with(5) for _ in range(2)]

    def grow():
        for day in range(8, 28):
            date = dt.date(2026, 10, day)
            rollup(date, "react", RollupScope.ALL, 0, day)
            for group in groups:
                rollup(date, "react", RollupScope.GROUP, group.pk, 1)
            for department in departments:
                rollup(date, "react", RollupScope.DEPARTMENT, department.pk, 1)

    queries = assert_constant_query_count(lambda: reader_client.get(URL, params), grow)
    assert queries <= 4  # session, user, profile, the page
    assert len(reader_client.get(URL, params).json()["items"]) == 10 + 20 * 6


def test_query_count_with_a_token_is_constant_too(client, insights_reader, world):
    _token, secret = token_for(insights_reader)
    params = {"since": "2026-10-01", "until": "2026-10-31"}
    client.get(URL, params, headers=bearer(secret))  # records last use (one write a minute)
    queries, sql = count_queries(lambda: client.get(URL, params, headers=bearer(secret)))
    assert queries == 1, sql  # the page (the token, member and profile: the token cache)
