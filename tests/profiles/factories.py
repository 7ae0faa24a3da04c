"""Factories and upload makers for the profiles tests."""

from __future__ import annotations

import io
import struct
import zlib

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from factory.django import DjangoModelFactory
from PIL import Image

from profiles.models import Endorsement, Follow, Kudos, KudosCategory
from tests.factories import ProfileFactory, UserFactory

__all__ = [
    "EndorsementFactory",
    "FollowFactory",
    "KudosFactory",
    "ProfileFactory",
    "UserFactory",
    "bomb_png",
    "image_upload",
    "padded_png",
]


class FollowFactory(DjangoModelFactory):
    class Meta:
        model = Follow

    follower = factory.SubFactory(UserFactory)
    followed = factory.SubFactory(UserFactory)


class KudosFactory(DjangoModelFactory):
    class Meta:
        model = Kudos

    giver = factory.SubFactory(UserFactory)
    receiver = factory.SubFactory(UserFactory)
    category = KudosCategory.HELPFUL
    message = factory.Faker("sentence")


class EndorsementFactory(DjangoModelFactory):
    """An endorsement of a tag the endorsed member lists (added if missing)."""

    class Meta:
        model = Endorsement

    endorser = factory.SubFactory(UserFactory)
    endorsed = factory.SubFactory(UserFactory)
    tag = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        tag_name = kwargs.pop("tag_name", "Kubernetes")
        if kwargs.get("tag") is None:
            from profiles.services import tags_resolve

            kwargs["tag"] = tags_resolve(names=[tag_name])[0]
        kwargs["endorsed"].profile.expertise.add(kwargs["tag"])
        return super()._create(model_class, *args, **kwargs)


def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (640, 480), *, exif: bool = False):
    image = Image.new("RGB", size, (200, 80, 20))
    out = io.BytesIO()
    kwargs = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "SpyCam Inc."  # Make
        data[0x0110] = "Model X"  # Model
        data[0x0112] = 6  # Orientation: rotate 90° when shown
        kwargs["exif"] = data.tobytes()
    image.save(out, format=fmt, **kwargs)
    return out.getvalue()


def image_upload(
    fmt: str = "JPEG",
    size: tuple[int, int] = (640, 480),
    *,
    name: str | None = None,
    exif: bool = False,
) -> SimpleUploadedFile:
    content = image_bytes(fmt, size, exif=exif)
    return SimpleUploadedFile(name or f"photo.{fmt.lower()}", content, f"image/{fmt.lower()}")


def padded_png(total_bytes: int) -> SimpleUploadedFile:
    """A valid small PNG followed by padding up to `total_bytes`."""
    content = image_bytes("PNG", (32, 32))
    content += b"\0" * (total_bytes - len(content))
    return SimpleUploadedFile("huge.png", content, "image/png")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png(width: int = 30_000, height: int = 30_000) -> SimpleUploadedFile:
    """A tiny PNG whose header claims width x height pixels (900 megapixels by
    default): decoding it would need gigabytes of memory."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    row = b"\0" + b"\0" * ((width + 7) // 8)
    # Only the first rows are present; a checker must refuse from the header alone.
    data = zlib.compress(row * 16, 9)
    signature = b"\x89PNG\r\n\x1a\n"
    content = signature + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")
    return SimpleUploadedFile("bomb.png", content, "image/png")
