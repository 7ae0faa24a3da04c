"""Profile photos are checked by content, resized, and stored without EXIF."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from profiles.services import profile_photo_remove, profile_photo_set
from tests.profiles.factories import UserFactory, bomb_png, image_upload, padded_png

pytestmark = pytest.mark.django_db


def _photo_error(member, upload) -> str:
    with pytest.raises(ValidationError) as caught:
        profile_photo_set(actor=member, profile=member.profile, upload=upload)
    # filesizeformat joins number and unit with a no-break space.
    return " ".join(caught.value.message_dict["photo"]).replace("\xa0", " ")


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF"])
def test_accepted_formats_are_stored_as_96_and_256_pixel_squares(fmt):
    member = UserFactory()
    profile = profile_photo_set(
        actor=member, profile=member.profile, upload=image_upload(fmt, (640, 480))
    )
    for field, side in [("photo_avatar", 96), ("photo_page", 256)]:
        with getattr(profile, field).open("rb") as stored, Image.open(stored) as image:
            assert image.format == "WEBP"
            assert image.size == (side, side)


def test_exif_is_stripped_and_orientation_applied():
    member = UserFactory()
    upload = image_upload("JPEG", (400, 200), exif=True)
    with Image.open(io.BytesIO(upload.read())) as original:
        assert original.getexif()[0x010F] == "SpyCam Inc."
    upload.seek(0)
    profile = profile_photo_set(actor=member, profile=member.profile, upload=upload)
    with profile.photo_page.open("rb") as stored:
        raw = stored.read()
    with Image.open(io.BytesIO(raw)) as image:
        assert not image.getexif()
        assert "exif" not in image.info
    assert b"SpyCam" not in raw


def test_stored_names_do_not_reveal_the_uploaded_file_name():
    member = UserFactory()
    upload = image_upload(name="jan-de-vries-passport.jpg")
    profile = profile_photo_set(actor=member, profile=member.profile, upload=upload)
    assert "passport" not in profile.photo_avatar.name
    assert profile.photo_avatar.name.startswith("profiles/photos/")


def test_text_file_renamed_png_is_refused_as_not_an_image():
    member = UserFactory()
    upload = SimpleUploadedFile("cv.png", b"Dear hiring manager, ...\n" * 50, "image/png")
    assert "not an image" in _photo_error(member, upload)
    member.profile.refresh_from_db()
    assert not member.profile.photo_avatar


def test_20_mb_image_is_refused_before_it_is_opened(settings):
    member = UserFactory()
    message = _photo_error(member, padded_png(20 * 1024 * 1024))
    assert "20.0 MB" in message
    assert "at most 10.0 MB" in message


def test_decompression_bomb_is_refused_from_its_header():
    member = UserFactory()
    message = _photo_error(member, bomb_png(30_000, 30_000))
    assert "too many pixels" in message


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_image_over_our_pixel_limit_but_under_pillows_is_refused(settings):
    # 10 000 x 10 000 is 100 megapixels: under Pillow's own error threshold, over ours.
    settings.BUZZ_PHOTO_MAX_PIXELS = 40_000_000
    member = UserFactory()
    assert "too many pixels" in _photo_error(member, bomb_png(10_000, 10_000))


def test_unaccepted_format_is_refused_by_content():
    member = UserFactory()
    upload = image_upload("BMP", name="innocent.jpg")
    assert "BMP images are not accepted" in _photo_error(member, upload)


def test_truncated_image_is_refused_as_damaged():
    member = UserFactory()
    content = image_upload("PNG", (300, 300)).read()
    upload = SimpleUploadedFile("cut.png", content[: len(content) // 2], "image/png")
    assert "damaged" in _photo_error(member, upload)


def test_replacing_a_photo_deletes_the_old_files_after_commit(django_capture_on_commit_callbacks):
    member = UserFactory()
    first = profile_photo_set(actor=member, profile=member.profile, upload=image_upload())
    old_name = first.photo_avatar.name
    storage = first.photo_avatar.storage
    with django_capture_on_commit_callbacks(execute=True):
        profile_photo_set(actor=member, profile=member.profile, upload=image_upload("PNG"))
    assert not storage.exists(old_name)
    with django_capture_on_commit_callbacks(execute=True):
        profile = profile_photo_remove(actor=member, profile=member.profile)
    assert not profile.photo_avatar


def test_nobody_sets_another_members_photo():
    from django.core.exceptions import PermissionDenied

    member, other = UserFactory(), UserFactory()
    with pytest.raises(PermissionDenied):
        profile_photo_set(actor=other, profile=member.profile, upload=image_upload())


def test_edit_page_shows_the_upload_error_next_to_the_photo_field(client_for):
    member = UserFactory()
    upload = SimpleUploadedFile("selfie.png", b"not really a picture", "image/png")
    data = {"display_name": "Ann", "photo": upload, "location_visible": "on"}
    response = client_for(member).post("/people/me/edit/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_photo_error"' in html
    assert "This file is not an image" in html
