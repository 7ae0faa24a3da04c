"""Phone and location are shown to colleagues only when the member chooses so."""

import pytest

from tests.profiles.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_member():
    member = UserFactory()
    profile = member.profile
    profile.phone, profile.phone_visible = "+31 6 1234 5678", False
    profile.location, profile.location_visible = "Secret Bunker 7", False
    profile.save()
    return member


def test_hidden_phone_and_location_are_not_shown_to_colleagues(private_member, client_for):
    html = client_for(UserFactory()).get(f"/people/{private_member.username}/").content.decode()
    assert "1234 5678" not in html
    assert "Secret Bunker" not in html


def test_owner_sees_hidden_fields_marked_as_hidden(private_member, client_for):
    html = client_for(private_member).get(f"/people/{private_member.username}/").content.decode()
    assert "+31 6 1234 5678" in html
    assert "Secret Bunker 7" in html
    assert html.count("hidden from colleagues") == 2


def test_visible_fields_are_shown_to_colleagues(private_member, client_for):
    profile = private_member.profile
    profile.phone_visible = profile.location_visible = True
    profile.save()
    html = client_for(UserFactory()).get(f"/people/{private_member.username}/").content.decode()
    assert "+31 6 1234 5678" in html
    assert "Secret Bunker 7" in html
    assert "hidden from colleagues" not in html


def test_phone_is_private_until_the_member_opts_in():
    assert UserFactory().profile.phone_visible is False


def test_directory_neither_shows_nor_filters_on_a_hidden_location(private_member, client_for):
    client = client_for(UserFactory())
    assert "Secret Bunker" not in client.get("/people/").content.decode()
    found = client.get("/people/", {"location": "Bunker"}).content.decode()
    assert "Nobody matches these filters." in found


def test_export_is_only_ever_the_requesters_own_data(private_member, client_for):
    other = UserFactory()
    data = client_for(other).get("/people/me/export.json").json()
    assert data["account"]["username"] == other.username
    assert "Secret Bunker" not in str(data)


def test_a_member_cannot_edit_someone_elses_profile(private_member, client_for):
    from django.core.exceptions import PermissionDenied

    from profiles.services import profile_update

    with pytest.raises(PermissionDenied):
        profile_update(
            actor=UserFactory(), profile=private_member.profile, changes={"job_title": "CEO"}
        )


def test_members_cannot_set_the_admin_flags(private_member):
    from django.core.exceptions import PermissionDenied

    from profiles.services import profile_update

    with pytest.raises(PermissionDenied, match="is_mt_member"):
        profile_update(
            actor=private_member, profile=private_member.profile, changes={"is_mt_member": True}
        )


def test_the_edit_form_ignores_posted_admin_flags(private_member, client_for):
    client = client_for(private_member)
    client.post(
        "/people/me/edit/",
        {"display_name": "Pat", "is_mt_member": "on", "ambassador_role": "social_master"},
    )
    private_member.profile.refresh_from_db()
    assert private_member.profile.display_name == "Pat"
    assert not private_member.profile.is_mt_member
    assert private_member.profile.ambassador_role == ""
