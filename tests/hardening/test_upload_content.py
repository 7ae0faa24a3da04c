"""Uploads named like images but carrying something else are refused through
the real forms, with a message the member can act on, and nothing is stored:
a post attachment in the composer, a photo on the profile edit page."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from feed.models import Attachment, Post
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _zip_bomb() -> bytes:
    # 50 MB of zeros in a few tens of KB: the shape of a zip bomb.
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.bin", b"\0" * 50_000_000)
    return out.getvalue()


DISGUISED = {
    "html": b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>",
    "svg": (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
        b"<script>alert(1)</script></svg>"
    ),
    "pe_executable": b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 44
    + b"\x80\x00\x00\x00"
    + b"\x00" * 64
    + b"PE\x00\x00L\x01",
    "zip_bomb": _zip_bomb(),
}
REASONS = ("not an image", "not accepted", "is not allowed", "cannot be read")


@pytest.fixture(autouse=True)
def _media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def member_client():
    member = UserFactory()
    client = Client()
    client.force_login(member)
    return client, member


def _says_why(html: str) -> bool:
    return any(reason in html for reason in REASONS)


@pytest.mark.parametrize("kind", list(DISGUISED))
def test_disguised_png_attachment_is_refused_by_the_composer(member_client, kind, tmp_path):
    client, _member = member_client
    upload = SimpleUploadedFile("holiday.png", DISGUISED[kind], "image/png")
    response = client.post("/posts/new/", {"body": "Look at this", "attachments": [upload]})
    assert response.status_code == 400
    html = response.content.decode()
    assert _says_why(html), html
    assert "Look at this" in html  # the member's text is kept
    assert not Post.objects.exists()
    assert not Attachment.objects.exists()
    assert not [path for path in tmp_path.rglob("*") if path.is_file()]


@pytest.mark.parametrize("kind", list(DISGUISED))
def test_disguised_png_profile_photo_is_refused_on_the_edit_page(member_client, kind):
    client, member = member_client
    upload = SimpleUploadedFile("selfie.png", DISGUISED[kind], "image/png")
    data = {"display_name": "Ann", "photo": upload, "location_visible": "on"}
    response = client.post("/people/me/edit/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_photo_error"' in html
    assert _says_why(html), html
    member.profile.refresh_from_db()
    assert not member.profile.photo_avatar
    assert not member.profile.photo_page
