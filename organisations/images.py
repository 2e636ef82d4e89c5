"""The images a CB uploads for its certificates (logo, certification mark, accreditation symbol).

They are printed on every certificate PDF, so they are checked for what they are, not for what
their name says: Pillow must read a PNG or JPEG of sane size. SVG is refused: it can carry scripts
and external references.
"""

import base64
import secrets

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

IMAGE_MAX_BYTES = 1024 * 1024
IMAGE_MAX_SIDE = 4000
IMAGE_FORMATS = {"PNG": "png", "JPEG": "jpg"}


def image_format(upload) -> str:
    """The file's real format ("PNG" or "JPEG"), or a ValidationError saying what is wrong."""
    from PIL import Image, UnidentifiedImageError  # Pillow comes with WeasyPrint

    if upload.size > IMAGE_MAX_BYTES:
        raise ValidationError(
            _("The image is larger than %(max)s.") % {"max": filesizeformat(IMAGE_MAX_BYTES)},
            code="too_large",
        )
    position = upload.tell() if hasattr(upload, "tell") else 0
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            kind, (width, height) = image.format, image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise ValidationError(_("Upload a PNG or JPEG image."), code="not_an_image") from error
    finally:
        upload.seek(position)
    if kind not in IMAGE_FORMATS:
        raise ValidationError(_("Upload a PNG or JPEG image."), code="not_an_image")
    if width > IMAGE_MAX_SIDE or height > IMAGE_MAX_SIDE:
        raise ValidationError(
            _("The image is at most %(max)s pixels wide and high.") % {"max": IMAGE_MAX_SIDE}, code="too_big"
        )
    return kind


def validate_image(upload) -> None:
    image_format(upload)


def image_path(instance, filename: str) -> str:
    """A server-chosen name: the uploader's name never reaches the file system."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "png"
    extension = extension if extension in ("png", "jpg", "jpeg") else "png"
    return f"bodies/{instance.pk or 'new'}/{secrets.token_hex(8)}.{extension}"


# What the uploads can be (`validate_image` lets only these through), by their first bytes
IMAGE_SIGNATURES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


class UnreadableImage(ValueError):
    """A stored CB image that is not a PNG or JPEG (it never passed the upload's check)."""


def image_data_uri(image) -> str | None:
    """The stored image (a FieldFile) as a ``data:`` URI for a PDF, which fetches nothing else;
    None when none was uploaded."""
    if not image:
        return None
    with image.storage.open(image.name, "rb") as file:
        content = file.read()
    for signature, content_type in IMAGE_SIGNATURES.items():
        if content.startswith(signature):
            return f"data:{content_type};base64,{base64.b64encode(content).decode('ascii')}"
    raise UnreadableImage(f"{image.name} is not a PNG or JPEG image.")
