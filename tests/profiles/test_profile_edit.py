"""A member edits their own profile; validation messages say what is wrong."""

import pytest
from django.core.exceptions import ValidationError

from metrics.models import EventKind, ParticipationEvent
from profiles.services import profile_update
from tests.factories import DepartmentFactory
from tests.profiles.factories import UserFactory, image_upload

pytestmark = pytest.mark.django_db


def _form(**overrides):
    data = {
        "display_name": "Ann Example",
        "job_title": "Data engineer",
        "location": "Utrecht",
        "location_visible": "on",
        "phone": "+31 30 123",
        "languages_spoken": "English, Dutch",
        "about": "Hello",
        "expertise_text": "Kubernetes, machine learning",
    }
    data.update(overrides)
    return data


def test_member_edits_their_profile_and_expertise(client_for):
    member = UserFactory()
    client = client_for(member)
    assert client.get("/people/me/edit/").status_code == 200
    response = client.post("/people/me/edit/", _form())
    assert response.status_code == 302
    assert response["Location"] == f"/people/{member.username}/"
    member.profile.refresh_from_db()
    assert member.profile.job_title == "Data engineer"
    assert sorted(member.profile.expertise.names()) == ["Kubernetes", "machine learning"]
    edit_page = client.get("/people/me/edit/").content.decode()
    assert 'value="Kubernetes, machine learning"' in edit_page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("linkedin_url", "https://evil.example/in/ann", "linkedin.com"),
        ("x_url", "http://x.com/ann", "Enter an https:// link"),
        ("website_url", "not a url", "Enter a valid URL"),
        ("display_name", "", "This field is required"),
    ],
)
def test_invalid_input_is_shown_next_to_the_field(client_for, field, value, message):
    member = UserFactory()
    response = client_for(member).post("/people/me/edit/", _form(**{field: value}))
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    assert message in html


def test_valid_social_links_are_accepted():
    member = UserFactory()
    profile = profile_update(
        actor=member,
        profile=member.profile,
        changes={
            "linkedin_url": "https://nl.linkedin.com/in/ann",
            "x_url": "https://x.com/ann",
            "github_url": "https://github.com/ann",
        },
    )
    assert [label for label, _url in profile.social_links] == ["LinkedIn", "X", "GitHub"]


def test_manager_loops_are_refused():
    boss, me = UserFactory(), UserFactory()
    profile_update(actor=me, profile=me.profile, changes={"manager": boss.profile})
    with pytest.raises(ValidationError, match="reports to you"):
        profile_update(actor=boss, profile=boss.profile, changes={"manager": me.profile})
    with pytest.raises(ValidationError, match="your own manager"):
        profile_update(actor=me, profile=me.profile, changes={"manager": me.profile})


def test_completing_the_profile_records_one_event():
    member = UserFactory()
    changes = {"job_title": "Analyst", "department": DepartmentFactory(), "about": "Hi"}
    profile_update(actor=member, profile=member.profile, changes=changes, expertise=["SQL"])
    assert not ParticipationEvent.objects.filter(kind=EventKind.PROFILE_COMPLETED).exists()
    profile = profile_update(actor=member, profile=member.profile, changes={}, photo=image_upload())
    assert profile.completed_at is not None
    profile_update(actor=member, profile=member.profile, changes={"about": "Hello again"})
    events = ParticipationEvent.objects.filter(kind=EventKind.PROFILE_COMPLETED)
    assert [(e.actor, e.object_id) for e in events] == [(member, profile.pk)]


def test_a_failed_photo_rolls_back_the_whole_edit(client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    member = UserFactory()
    bad = SimpleUploadedFile("x.png", b"text", "image/png")
    client_for(member).post("/people/me/edit/", _form(job_title="Changed", photo=bad))
    member.profile.refresh_from_db()
    assert member.profile.job_title != "Changed"


def test_account_without_a_profile_gets_one_on_the_edit_page(client_for):
    from profiles.models import User

    admin = User.objects.create_user("root", "root@buzz.example", "pw", first_name="Ro")
    assert client_for(admin).get("/people/me/edit/").status_code == 200
    assert admin.profile.display_name == "Ro"
