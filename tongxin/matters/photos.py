"""Photos: only real images, size-limited, re-encoded as JPEG without EXIF (location) data."""

import hashlib
import io
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from tongxin.kernel.errors import ServiceError

logger = logging.getLogger(__name__)

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


# --- photos held across a confirmation --------------------------------------------------------
#
# When the reply check warns about a result, the page asks the worker to confirm; a file
# input cannot be filled again by the server, so the photos chosen with the warned result
# are cleaned (EXIF gone) and kept under held/ with a signed token in the form, for that
# worker and that matter only, for a day. The confirmation publishes them.

HELD_DIR = "held"  # in the "held" storage (settings.STORAGES), outside MEDIA_ROOT
HELD_FOR = timedelta(days=1)
_HELD_SALT = "tongxin.matters.photos.held"


def held_storage():
    """Return where held photos are kept: the "held" storage if configured, else the default."""
    return storages["held" if "held" in settings.STORAGES else "default"]


def _held_gone():
    return ServiceError("held_photos_gone", _("The photos chosen before are no longer kept: "
                                              "choose them again."), field="photos")


def hold_photos(uploads, *, by, matter):
    """Clean ``uploads`` and keep them for a later confirmation; return the token naming
    them. Raise ServiceError (nothing kept) if one is not a photo or there are too many."""
    uploads = [u for u in uploads or () if u]
    if len(uploads) > max_photos():
        raise ServiceError("too_many_photos", _("At most %(n)d photos.") % {"n": max_photos()})
    cleaned = [clean_photo(upload) for upload in uploads]
    purge_held()
    names = [held_storage().save(f"{HELD_DIR}/{secrets.token_hex(16)}.jpg", ContentFile(data))
             for data, _width, _height in cleaned]
    return signing.dumps({"by": by.pk, "matter": matter.pk, "names": names}, salt=_HELD_SALT)


def _held_names(token, *, by, matter):
    try:
        held = signing.loads(token, salt=_HELD_SALT, max_age=HELD_FOR)
    except signing.BadSignature:  # also an expired one
        raise _held_gone() from None
    if not isinstance(held, dict):
        raise _held_gone()
    names = held.get("names")
    if (held.get("by") != by.pk or held.get("matter") != matter.pk or not isinstance(names, list)
            or not all(isinstance(n, str) and n.startswith(f"{HELD_DIR}/") and ".." not in n
                       for n in names)):
        raise _held_gone()
    return names


def held_count(token, *, by, matter):
    """Return how many photos ``token`` keeps for ``by`` on ``matter`` (0 if none or gone)."""
    try:
        return len(_held_names(token, by=by, matter=matter)) if token else 0
    except ServiceError:
        return 0


def held_photos(token, *, by, matter):
    """Return the photos ``hold_photos`` kept under ``token`` as uploads (JPEG, no EXIF), or
    raise ServiceError if the token is not ``by``'s for ``matter`` or the photos are gone."""
    photos = []
    for name in _held_names(token, by=by, matter=matter):
        try:
            with held_storage().open(name, "rb") as handle:
                photos.append(SimpleUploadedFile(name.rsplit("/", 1)[-1], handle.read(),
                                                 content_type="image/jpeg"))
        except (FileNotFoundError, OSError):
            raise _held_gone() from None
    return photos


def release_held(token, *, by, matter):
    """Delete the photos kept under ``token`` (once they are published)."""
    try:
        names = _held_names(token, by=by, matter=matter)
    except ServiceError:
        return
    for name in names:
        held_storage().delete(name)


def purge_held(now=None):
    """Delete held photos older than a day: confirmations that never came."""
    cutoff = (now or timezone.now()) - HELD_FOR
    storage = held_storage()
    try:
        _dirs, files = storage.listdir(HELD_DIR)
    except (FileNotFoundError, OSError):
        return
    for file in files:
        name = f"{HELD_DIR}/{file}"
        try:
            if storage.get_modified_time(name) < cutoff:
                storage.delete(name)
        except (FileNotFoundError, OSError, NotImplementedError):
            logger.warning("could not purge held photo %s", name)
