"""Creators submit stories from the front end; they arrive in Wagtail as drafts
in the editors' review, credited to the creator."""

import io

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from PIL import Image

from cms.models import ShareableItemPage
from tests.cms.factories import social_hub
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _creator():
    user = UserFactory()
    user.groups.add(Group.objects.get(name="Social creators"))
    return user


def _png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "orange").save(buffer, format="PNG")
    return SimpleUploadedFile("team.png", buffer.getvalue(), content_type="image/png")


def test_a_creators_story_becomes_a_draft_in_review_credited_to_them(client):
    social_hub()
    creator = _creator()
    client.force_login(creator)
    response = client.post(
        "/hub/submit/",
        {
            "kind": "photo",
            "title": "Our hackathon winners",
            "text": "Three days, 40 teams.\n\n<b>Proud</b> of everyone.",
            "link": "https://www.example.com/blog/hackathon",
            "photo": _png(),
        },
        follow=True,
    )
    assert "The social editors will review your story" in response.content.decode()
    item = ShareableItemPage.objects.get(title="Our hackathon winners")
    assert not item.live and item.owner == creator
    assert item.get_latest_revision().user == creator
    assert item.current_workflow_state is not None  # in the editors' review
    assert item.image is not None and item.image.file.name.endswith(".webp")
    html = str(item.body[0].value)
    assert "&lt;b&gt;Proud&lt;/b&gt;" in html and "<b>" not in html


def test_members_without_the_creator_role_are_told_how_to_become_one(client):
    social_hub()
    client.force_login(UserFactory())
    response = client.get("/hub/submit/")
    assert response.status_code == 403
    assert "Only social creators submit stories" in response.content.decode()
    assert client.post("/hub/submit/", {"kind": "story"}).status_code == 403
    assert not ShareableItemPage.objects.exists()


@override_settings(BUZZ_HUB_SUBMISSIONS_OPEN=True)
def test_with_open_submissions_every_member_may_submit(client):
    social_hub()
    client.force_login(UserFactory())
    assert client.get("/hub/submit/").status_code == 200


def test_bad_submissions_show_what_to_fix_and_create_nothing(client):
    social_hub()
    client.force_login(_creator())
    fake = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    response = client.post(
        "/hub/submit/",
        {"kind": "poem", "title": "", "text": "x", "link": "javascript:alert(1)", "photo": fake},
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"kind", "title", "link", "photo"} <= set(errors)
    assert not ShareableItemPage.objects.exists()
