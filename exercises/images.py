"""A clinic's uploaded exercise picture: checked by its content, then re-encoded.

`image_clean(upload)` refuses anything Pillow cannot open and verify, anything that is not
JPEG, PNG or WebP (whatever its name says), a file over EXERCISE_IMAGE_MAX_BYTES and a picture
wider or taller than EXERCISE_IMAGE_MAX_SIDE pixels (checked from the header, before decoding,
so a "decompression bomb" is never decoded). What it returns is a new file drawn by Pillow from
the pixels alone: turned upright by its EXIF orientation, with no EXIF (camera, GPS position),
XMP, comments or other metadata, under a random name. The caller stores it through Django's
default storage.
"""

import io
import secrets
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

# Pillow's format name -> the stored file's extension and the content type it is served with.
FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
}
CONTENT_TYPES = dict(FORMATS.values())


def upload_too_large(request) -> bool:
    """Whether a request's body is larger than a picture and a form's fields can be: refused before
    Django reads it (it would otherwise be written to a temporary file first)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > settings.EXERCISE_IMAGE_MAX_BYTES + settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def too_large_message() -> str:
    return _("The picture is larger than %(size)s MB. Choose a smaller one.") % {
        "size": f"{settings.EXERCISE_IMAGE_MAX_BYTES / (1024 * 1024):g}"
    }


def _refused(message: str, code: str) -> ValidationError:
    return ValidationError({"image": ValidationError(message, code=code)})


def image_clean(upload) -> ContentFile:
    """The upload re-encoded as a clean picture of the same format, or ValidationError({"image": ...})."""
    max_bytes = settings.EXERCISE_IMAGE_MAX_BYTES
    max_side = settings.EXERCISE_IMAGE_MAX_SIDE
    if upload.size > max_bytes:
        raise _refused(too_large_message(), "too_large")
    not_a_picture = _refused(_("This file is not a JPEG, PNG or WebP picture."), "not_an_image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            upload.seek(0)
            with Image.open(upload) as probe:
                kind = probe.format
                width, height = probe.size
                probe.verify()  # the file's structure (checksums, truncation), without decoding
            if kind not in FORMATS:
                raise not_a_picture
            if width > max_side or height > max_side:
                raise _refused(
                    _(
                        "The picture is %(width)s × %(height)s pixels; the largest accepted is "
                        "%(side)s pixels a side. Choose a smaller one."
                    )
                    % {"width": width, "height": height, "side": max_side},
                    "too_many_pixels",
                )
            upload.seek(0)
            with Image.open(upload) as image:
                image.load()
                upright = ImageOps.exif_transpose(image)
                return _encoded(upright, kind)
    except ValidationError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise not_a_picture from None
    except (OSError, SyntaxError, ValueError, EOFError):  # truncated or corrupt data
        raise not_a_picture from None


def _encoded(image: Image.Image, kind: str) -> ContentFile:
    """The pixels of `image` written again as `kind`, with no metadata at all."""
    if kind == "JPEG":
        pixels = image.convert("RGB")
        options = {"quality": 88}
    else:
        keeps_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        pixels = image.convert("RGBA" if keeps_alpha else "RGB")
        options = {"quality": 88} if kind == "WEBP" else {}
    # A new image holding only the pixels: no info dict, no EXIF, XMP or ICC profile is carried.
    clean = Image.new(pixels.mode, pixels.size)
    clean.paste(pixels)
    out = io.BytesIO()
    clean.save(out, format=kind, **options)
    extension = FORMATS[kind][0]
    return ContentFile(out.getvalue(), name=f"{secrets.token_hex(16)}.{extension}")


def content_type_for(name: str) -> str:
    """The content type a stored picture is served with (from the extension it was stored under)."""
    return CONTENT_TYPES.get(name.rsplit(".", 1)[-1].lower(), "application/octet-stream")
