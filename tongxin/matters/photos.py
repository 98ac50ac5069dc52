"""Photos: only real images, size-limited, re-encoded as JPEG without EXIF (location) data."""

import hashlib
import io

from django.conf import settings
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from tongxin.kernel.errors import ServiceError

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding
MAX_SIDE = 2048  # phones take 4000-pixel photos; 2048 is plenty to see a broken lamp


def max_bytes():
    return getattr(settings, "TONGXIN_PHOTO_MAX_BYTES", 10 * 1024 * 1024)


def max_photos():
    return getattr(settings, "TONGXIN_PHOTO_MAX_COUNT", 9)


def clean_photo(upload):
    """Return (jpeg bytes, width, height) for an uploaded image, or raise ServiceError."""
    name = getattr(upload, "name", "") or _("photo")
    if upload.size > max_bytes():
        raise ServiceError("photo_too_big", _("%(name)s is larger than %(max)s.")
                           % {"name": name, "max": filesizeformat(max_bytes())})
    upload.seek(0)
    try:
        with Image.open(upload) as probe:
            if probe.format not in ALLOWED_FORMATS:
                raise ServiceError("not_an_image", _("%(name)s is not a photo (JPEG, PNG, WebP or GIF).")
                                   % {"name": name})
            if probe.width * probe.height > MAX_PIXELS:
                raise ServiceError("photo_too_big", _("%(name)s has too many pixels.") % {"name": name})
            probe.load()
            image = ImageOps.exif_transpose(probe)  # keep it upright once EXIF is gone
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ServiceError("not_an_image", _("%(name)s is not a photo (JPEG, PNG, WebP or GIF).")
                           % {"name": name}) from None
    image = image.convert("RGB")
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    # A fresh image with no info dict: EXIF, GPS, XMP and comments are not written.
    image.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue(), image.width, image.height


def attach_photos(matter, uploads, *, by, event=None):
    """Check every upload first, then store them all (nothing is stored if one is bad)."""
    from tongxin.matters.models import Photo

    uploads = [u for u in uploads or () if u]
    if len(uploads) > max_photos():
        raise ServiceError("too_many_photos", _("At most %(n)d photos.") % {"n": max_photos()})
    cleaned = [clean_photo(upload) for upload in uploads]
    photos = []
    for data, width, height in cleaned:
        digest = hashlib.sha256(data).hexdigest()
        photo = Photo(matter=matter, event=event, sha256=digest, width=width, height=height,
                      size=len(data), uploaded_by=by)
        photo.image.save(f"{digest}.jpg", ContentFile(data), save=False)
        photo.save()
        photos.append(photo)
    return photos
