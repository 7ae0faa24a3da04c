"""The people directory: filters, keyset pagination, links, constant queries."""

import pytest

from profiles.services import profile_expertise_set
from tests.factories import DepartmentFactory
from tests.helpers import assert_constant_query_count
from tests.profiles.factories import UserFactory

pytestmark = pytest.mark.django_db


def _member(name, *, department=None, location="Amsterdam", expertise=()):
    user = UserFactory(first_name=name, last_name="Tester")
    profile = user.profile
    profile.display_name = f"{name} Tester"
    profile.location = location
    if department is not None:
        profile.department = department
    profile.save()
    if expertise:
        profile_expertise_set(actor=user, profile=profile, names=list(expertise))
    return user


def _names(html):
    import re

    return re.findall(r'<h2 class="card__title"><a href="/people/[^/]+/">([^<]+)</a>', html)


@pytest.fixture
def people():
    payments = DepartmentFactory(name="Payments", slug="payments")
    risk = DepartmentFactory(name="Risk", slug="risk")
    return {
        "ann": _member("Ann", department=payments, location="Amsterdam", expertise=["Kubernetes"]),
        "bob": _member("Bob", department=risk, location="Brussels", expertise=["kubernetes", "Go"]),
        "cas": _member("Cas", department=payments, location="Brussels", expertise=["Go"]),
    }


def test_names_link_to_profile_pages(people, client_for):
    html = client_for(people["ann"]).get("/people/").content.decode()
    assert f'<a href="/people/{people["bob"].username}/">Bob Tester</a>' in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"department": "payments"}, ["Ann Tester", "Cas Tester"]),
        ({"location": "brussels"}, ["Bob Tester", "Cas Tester"]),
        ({"expertise": "KUBERNETES "}, ["Ann Tester", "Bob Tester"]),
        ({"expertise": "go", "department": "payments"}, ["Cas Tester"]),
        ({"expertise": "Fortran"}, []),
    ],
)
def test_filters(people, client_for, params, expected):
    html = client_for(people["ann"]).get("/people/", params).content.decode()
    assert _names(html) == expected
    if not expected:
        assert "Nobody matches these filters." in html


def test_deactivated_members_disappear_from_the_directory(people, client_for):
    people["bob"].is_active = False
    people["bob"].save()
    html = client_for(people["ann"]).get("/people/").content.decode()
    assert "Bob Tester" not in html


def test_pagination_keeps_the_filters(client_for, settings):
    department = DepartmentFactory(name="Ops", slug="ops")
    for n in range(25):
        _member(f"Ops{n:02d}", department=department)
    _member("Zed", department=DepartmentFactory(name="Other", slug="other"))
    client = client_for(UserFactory())
    first = client.get("/people/", {"department": "ops"}).content.decode()
    assert len(_names(first)) == 20
    import re

    next_link = re.search(r'href="(\?[^"]*after=[^"]+)"', first).group(1).replace("&amp;", "&")
    assert "department=ops" in next_link
    second = client.get("/people/" + next_link).content.decode()
    assert len(_names(second)) == 5
    assert "Zed Tester" not in second
    assert set(_names(first)).isdisjoint(_names(second))


def test_bad_cursor_is_a_400(client_for):
    assert client_for(UserFactory()).get("/people/?after=garbage").status_code == 400


def test_directory_query_count_is_constant_with_filters_and_tags(client_for):
    department = DepartmentFactory(name="Payments", slug="payments")

    def add(count):
        for n in range(count):
            _member(f"P{n}", department=department, expertise=["Go", f"topic {n}"])

    add(5)
    client = client_for(UserFactory())
    for params in [{}, {"department": "payments", "expertise": "go", "location": "am"}]:
        client.get("/people/", params)
        assert_constant_query_count(lambda p=params: client.get("/people/", p), lambda: add(15))
