"""Uploads are judged by their content, never by their name (DESIGN rule 5)."""

from __future__ import annotations

import codecs
import io
import warnings
from dataclasses import dataclass
from pathlib import PurePath

import filetype
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageOps, UnidentifiedImageError

#: Image formats accepted by content (Pillow's names); MPO is a camera JPEG.
IMAGE_FORMATS = {"JPEG", "MPO", "PNG", "WEBP", "GIF"}
IMAGE_MIME = {"JPEG": "image/jpeg", "MPO": "image/jpeg", "PNG": "image/png",
              "WEBP": "image/webp", "GIF": "image/gif"}  # fmt: skip
ACCEPTED_IMAGES = gettext_lazy("JPEG, PNG, WebP or GIF")
#: Documents accepted by their magic bytes (and plain UTF-8 text).
DOCUMENT_MIME = {
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/zip",
}


def check_size(upload: UploadedFile, max_bytes: int) -> None:
    if upload.size is not None and upload.size > max_bytes:
        raise ValidationError(
            _("This file is %(size)s; it may be at most %(max)s.")
            % {"size": filesizeformat(upload.size), "max": filesizeformat(max_bytes)},
            code="too_big",
        )


def open_image(upload: UploadedFile, *, max_pixels: int) -> Image.Image:
    """Decode an uploaded image safely and return it upright, first frame only.

    Refused with a clear message: anything Pillow does not identify as one of
    IMAGE_FORMATS, images over `max_pixels` (checked from the header before
    decoding, so a small file claiming huge dimensions is never decompressed),
    and damaged files.
    """
    too_many_pixels = _(
        "This image has too many pixels to process safely (at most %(megapixels)s megapixels)."
    ) % {"megapixels": max_pixels // 1_000_000}
    with warnings.catch_warnings():
        # Pillow only warns below twice its limit: here every bomb is an error.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            upload.seek(0)
            with Image.open(upload) as probe:
                if probe.format not in IMAGE_FORMATS:
                    raise ValidationError(
                        _("%(format)s images are not accepted; use %(accepted)s.")
                        % {"format": probe.format, "accepted": ACCEPTED_IMAGES},
                        code="format",
                    )
                if probe.width * probe.height > max_pixels:
                    raise ValidationError(too_many_pixels, code="too_many_pixels")
                probe.verify()
            upload.seek(0)  # verify() leaves the image unusable: open again to decode
            with Image.open(upload) as image:
                image_format = image.format
                image.seek(0)
                image.load()
                upright = ImageOps.exif_transpose(image)
        except ValidationError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ValidationError(too_many_pixels, code="too_many_pixels") from None
        except UnidentifiedImageError:
            raise ValidationError(
                _("This file is not an image; use %(accepted)s.") % {"accepted": ACCEPTED_IMAGES},
                code="not_an_image",
            ) from None
        except (OSError, SyntaxError, ValueError, EOFError):
            raise ValidationError(
                _("This image is damaged or incomplete and could not be read."), code="damaged"
            ) from None
    upright.format = image_format
    return upright


def reencode_image(image: Image.Image, *, name: str) -> ContentFile:
    """Pixels only: re-encoding drops EXIF (camera, GPS) and any trailing payload."""
    has_alpha = image.mode in {"RGBA", "LA", "PA"} or "transparency" in image.info
    pixels = image.convert("RGBA" if has_alpha else "RGB")
    out = io.BytesIO()
    pixels.save(out, format="WEBP", quality=85)
    return ContentFile(out.getvalue(), name=f"{name}.webp")


@dataclass(frozen=True)
class Sniffed:
    mime: str
    is_image: bool


#: What a name promises; a file whose content is something else is refused.
PROMISED_BY_SUFFIX = {
    ".png": "image/", ".jpg": "image/", ".jpeg": "image/", ".gif": "image/", ".webp": "image/",
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml",
}  # fmt: skip


def sniff_upload(upload: UploadedFile) -> Sniffed:
    """What a file really is, from its first bytes: an image Pillow can judge, a
    known document type, or plain UTF-8 text. Anything else is refused, and so is
    a file whose content is not what its name promises (a text file named .png)."""
    sniffed = _sniff(upload)
    suffix = PurePath(upload.name or "").suffix.lower()
    promised = PROMISED_BY_SUFFIX.get(suffix)
    if promised and not sniffed.mime.startswith(promised):
        if promised == "image/":
            raise ValidationError(
                _("This file is not an image; use %(accepted)s.") % {"accepted": ACCEPTED_IMAGES},
                code="not_an_image",
            )
        raise ValidationError(
            _("This file's content does not match its name (%(suffix)s).") % {"suffix": suffix},
            code="file_type",
        )
    return sniffed


def _sniff(upload: UploadedFile) -> Sniffed:
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is not None and kind.mime.startswith("image/"):
        return Sniffed(mime=kind.mime, is_image=True)
    if kind is not None and kind.mime in DOCUMENT_MIME:
        return Sniffed(mime=kind.mime, is_image=False)
    if kind is None and b"\x00" not in head:
        try:
            # Incremental: a character cut at the 8 KiB boundary is not an error.
            codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        except UnicodeDecodeError:
            pass
        else:
            return Sniffed(mime="text/plain", is_image=False)
    raise ValidationError(
        _("This kind of file is not accepted: attach images, PDF, Office documents or text."),
        code="file_type",
    )
