"""Photos: only real images, size-limited, re-encoded as JPEG without EXIF (location) data.

Decoding is what costs: nine 6300x6300 PNGs of 170 KB each once took 15.7 s and 440 MB
of a worker. So, before anything is decoded, every photo of a request is measured
from its header (Pillow reads the header only until ``load``): each must stay under
MAX_PIXELS, and together they must stay under ``TONGXIN_PHOTO_MAX_DECODED_PIXELS``.
Then they are decoded one at a time, each released before the next, and cheaply:
a JPEG is decoded at 1/2, 1/4 or 1/8 of its size by the decoder itself (``draft``),
and what is still too large is first shrunk by an integer factor (``reduce``, a box
average) before the final resize. The pixels counted against the budget are the ones
decoded, after the draft. ``bench/photos.py`` (``make bench-photos``) prints the worst case.
"""

import hashlib
import io
from typing import NamedTuple

from django.conf import settings
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, UnidentifiedImageError

from tongxin.kernel.errors import ServiceError

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding
MAX_SIDE = 2048  # phones take 4000-pixel photos; 2048 is plenty to see a broken lamp
# A JPEG may be decoded down to this share of MAX_SIDE: a 4032x3024 phone photo is then
# decoded at 2016x1512 (a quarter of the pixels) instead of in full and shrunk to 2048.
DRAFT_SHARE = 0.75
DRAFT_FORMATS = {"JPEG", "MPO"}
# Modes Image.reduce() averages correctly; others (palette, 1-bit, 16-bit) go to RGB first.
REDUCIBLE = {"L", "LA", "RGB", "RGBA", "RGBX", "CMYK", "YCbCr", "I", "F"}
DECODE_ERRORS = (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError,
                 Image.DecompressionBombError)
# EXIF orientation → the transposition that shows the photo upright (as ImageOps does).
UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


class CleanPhoto(NamedTuple):
    data: bytes  # the re-encoded JPEG
    width: int
    height: int


def max_bytes():
    return getattr(settings, "TONGXIN_PHOTO_MAX_BYTES", 10 * 1024 * 1024)


def max_photos():
    return getattr(settings, "TONGXIN_PHOTO_MAX_COUNT", 9)


def max_decoded_pixels():
    """Return how many pixels the photos of one request may decode to, together."""
    return getattr(settings, "TONGXIN_PHOTO_MAX_DECODED_PIXELS", 60_000_000)


def _name(upload):
    return getattr(upload, "name", "") or _("photo")


def _not_an_image(upload):
    return ServiceError("not_an_image", _("%(name)s is not a photo (JPEG, PNG, WebP or GIF).")
                        % {"name": _name(upload)})


def _fit(size, side):
    """Return ``size`` scaled down (never up) to fit a square of ``side``, keeping its shape."""
    width, height = size
    scale = min(1.0, side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _open(upload):
    """Open ``upload`` reading its header only; check its bytes, format and pixels.

    A JPEG is set to be decoded at the smallest size its decoder offers that is still
    about as large as needed (``draft``), so ``image.size`` is what ``load`` will decode.
    """
    if upload.size > max_bytes():
        raise ServiceError("photo_too_big", _("%(name)s is larger than %(max)s.")
                           % {"name": _name(upload), "max": filesizeformat(max_bytes())})
    upload.seek(0)
    try:
        image = Image.open(upload)
    except DECODE_ERRORS:
        raise _not_an_image(upload) from None
    try:
        if image.format not in ALLOWED_FORMATS:
            raise _not_an_image(upload)
        if image.width * image.height > MAX_PIXELS:
            raise ServiceError("photo_too_big", _("%(name)s has too many pixels.")
                               % {"name": _name(upload)})
        if image.format in DRAFT_FORMATS:
            image.draft("RGB", _fit(image.size, MAX_SIDE * DRAFT_SHARE))
    except DECODE_ERRORS:
        image.close()
        raise _not_an_image(upload) from None
    except ServiceError:
        image.close()
        raise
    return image


def check_photos(uploads):
    """Refuse the photos of one request before decoding any: count, bytes, format, pixels.

    Return the uploads (empty ones left out).
    """
    uploads = [u for u in uploads or () if u]
    if len(uploads) > max_photos():
        raise ServiceError("too_many_photos", _("At most %(n)d photos.") % {"n": max_photos()})
    total = 0
    for upload in uploads:
        with _open(upload) as image:
            total += image.width * image.height
    if total > max_decoded_pixels():
        raise ServiceError(
            "photos_too_many_pixels",
            _("These photos are too large together (%(total)s megapixels; at most %(max)s). "
              "Send fewer photos, or smaller ones.")
            % {"total": _megapixels(total), "max": _megapixels(max_decoded_pixels())},
        )
    return uploads


def _megapixels(pixels):
    return f"{round(pixels / 1_000_000, 1):g}"


def _shrink(image):
    """Return ``image`` (loaded) as RGB, fitting MAX_SIDE, through an integer ``reduce``
    first so that the resize works on a small image."""
    target = _fit(image.size, MAX_SIDE)
    if image.mode not in REDUCIBLE or image.mode == "LA":
        image = image.convert("RGB")  # a palette is not averaged; LA → RGB keeps the grey
    factor = min(image.width // target[0], image.height // target[1])
    if factor >= 2:
        image = image.reduce(factor)
    if image.mode != "RGB":
        image = image.convert("RGB")
    if image.size != target:
        image = image.resize(target, Image.Resampling.LANCZOS)
    return image


def clean_photo(upload):
    """Return a CleanPhoto (jpeg bytes, width, height) for an upload, or raise ServiceError."""
    with _open(upload) as image:
        try:
            image.load()
            orientation = image.getexif().get(ExifTags.Base.Orientation)
            small = _shrink(image)
        except DECODE_ERRORS:
            raise _not_an_image(upload) from None
    if orientation in UPRIGHT:  # keep it upright once EXIF is gone
        small = small.transpose(UPRIGHT[orientation])
    out = io.BytesIO()
    # A fresh image with no info dict: EXIF, GPS, XMP and comments are not written.
    small.save(out, format="JPEG", quality=85, optimize=True)
    return CleanPhoto(out.getvalue(), small.width, small.height)


def clean_photos(uploads):
    """Check the photos of one request, then decode them one at a time (see the top)."""
    return [clean_photo(upload) for upload in check_photos(uploads)]


def attach_photos(matter, photos, *, by, event=None):
    """Store photos on a matter: uploads (checked, cleaned) or CleanPhotos cleaned already.

    Every upload is checked before any is stored, so nothing is stored if one is bad.
    """
    from tongxin.matters.models import Photo

    photos = [p for p in photos or () if p]
    if not all(isinstance(p, CleanPhoto) for p in photos):
        photos = clean_photos(photos)
    stored = []
    for data, width, height in photos:
        digest = hashlib.sha256(data).hexdigest()
        photo = Photo(matter=matter, event=event, sha256=digest, width=width, height=height,
                      size=len(data), uploaded_by=by)
        photo.image.save(f"{digest}.jpg", ContentFile(data), save=False)
        photo.save()
        stored.append(photo)
    return stored
