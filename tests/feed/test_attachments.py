"""Attachments are judged by content, stripped of metadata and served only to readers."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from PIL import Image

from feed import services
from feed.models import Attachment, Post
from groups.models import Visibility
from tests.factories import GroupFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path


def jpeg_with_gps(size=(64, 48)) -> bytes:
    image = Image.new("RGB", size, "orange")
    exif = Image.Exif()
    exif[0x8825] = {2: (52.0, 22.0, 0.0)}  # GPSInfo: latitude
    exif[0x010F] = "SpyCam"  # camera make
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def publish(author, *files, body="With files", group=None):
    return services.post_publish(actor=author, body=body, group=group, uploads=list(files))


def test_image_is_reencoded_without_exif_and_shown_inline(member, member_client):
    post = publish(member, upload("holiday.jpg", jpeg_with_gps()))
    attachment = post.attachments.get()
    assert (attachment.is_image, attachment.width, attachment.height) == (True, 64, 48)
    with attachment.file.open("rb") as stored, Image.open(stored) as image:
        assert image.format == "WEBP"
        assert not image.getexif()
    html = member_client.get(f"/posts/{post.pk}/").content.decode()
    assert f'<img src="/files/{attachment.pk}/"' in html
    response = member_client.get(f"/files/{attachment.pk}/")
    assert response["Content-Type"] == "image/webp"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_pdf_is_listed_and_downloaded_as_a_file(member, member_client):
    post = publish(member, upload("report.pdf", b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"))
    attachment = post.attachments.get()
    assert (attachment.content_type, attachment.is_image) == ("application/pdf", False)
    response = member_client.get(f"/files/{attachment.pk}/")
    assert response["Content-Disposition"].startswith('attachment; filename="report.pdf"')


def test_text_file_renamed_png_is_refused_and_no_post_is_left(member):
    with pytest.raises(ValidationError, match=r"not an image|not accepted"):
        publish(member, upload("cat.png", b"\x89PNG\r\n\x1a\nthis is not really a png"))
    assert not Post.objects.exists()
    assert not Attachment.objects.exists()


def test_executable_is_refused_whatever_its_name(member):
    with pytest.raises(ValidationError, match="not accepted"):
        publish(member, upload("notes.txt", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64))


@override_settings(BUZZ_ATTACHMENT_MAX_BYTES=1024)
def test_oversized_file_is_refused_with_the_limit(member):
    with pytest.raises(ValidationError, match=r"at most 1\.0"):
        publish(member, upload("big.txt", b"a" * 2048))


def test_decompression_bomb_is_refused_before_decoding(member):
    bomb = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(bomb, format="PNG")  # 144 Mpx in a few KB
    assert len(bomb.getvalue()) < 100_000
    with pytest.raises(ValidationError, match="too many pixels"):
        publish(member, upload("bomb.png", bomb.getvalue()))


@override_settings(BUZZ_ATTACHMENTS_PER_POST=2)
def test_too_many_files_are_refused(member):
    files = [upload(f"n{i}.txt", b"note") for i in range(3)]
    with pytest.raises(ValidationError, match="at most 2 attachments"):
        publish(member, *files)


def test_file_in_a_secret_group_answers_like_a_missing_file(member, member_client):
    group = GroupFactory(visibility=Visibility.SECRET)
    insider = MembershipFactory(group=group).user
    post = publish(insider, upload("plan.txt", b"the plan"), group=group)
    attachment = post.attachments.get()
    secret = member_client.get(f"/files/{attachment.pk}/")
    missing = member_client.get("/files/999999/")
    assert (secret.status_code, missing.status_code) == (404, 404)
    MembershipFactory(group=group, user=member)
    assert member_client.get(f"/files/{attachment.pk}/").status_code == 200


def test_refused_upload_in_the_composer_keeps_the_text(member_client):
    response = member_client.post(
        "/posts/new/",
        {"body": "My long carefully written post", "attachments": [upload("x.png", b"nope")]},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "My long carefully written post" in html
    assert "not an image" in html or "not accepted" in html


def test_only_the_author_adds_files_later():
    author = UserFactory()
    post = publish(author)
    with pytest.raises(services.PermissionDenied):
        services.attachment_add(actor=UserFactory(), post=post, upload=upload("a.txt", b"x"))
    services.attachment_add(actor=author, post=post, upload=upload("a.txt", b"x"))


def test_feed_asks_for_files_only_when_a_post_on_the_page_has_some(member, member_client):
    from tests.helpers import count_queries

    publish(member, body="Plain words")
    member_client.get("/")  # warm per-process caches
    without_files, _sql = count_queries(lambda: member_client.get("/"))
    post = publish(member, upload("holiday.jpg", jpeg_with_gps()))
    with_files, _sql = count_queries(lambda: member_client.get("/"))
    html = member_client.get("/").content.decode()
    assert with_files == without_files + 1
    assert f'<img src="/files/{post.attachments.get().pk}/"' in html
