"""Photos held across a confirmation.

When the reply check warns about a result, the page asks the worker to confirm; a file
input cannot be filled again by the server, so the photos chosen with the warned result
are cleaned (EXIF gone, as photos.clean_photo does for every upload) and kept in the
"held" storage (settings.STORAGES, outside MEDIA_ROOT, so backups do not copy them),
named by a signed token in the form, for that worker and that matter only, for a day.
The confirmation publishes them; photos never confirmed are purged after a day.

The 长辈版's raise, one step per screen, holds the photos of its photo step the same way
until the last screen is sent: there is no matter yet, so they are held for that person
with ``matter=None``.
"""

import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.kernel.errors import ServiceError
from tongxin.matters import photos

logger = logging.getLogger(__name__)

HELD_DIR = "held"
HELD_FOR = timedelta(days=1)
_HELD_SALT = "tongxin.matters.held_photos"


def held_storage():
    """Return where held photos are kept: the "held" storage if configured, else the default."""
    return storages["held" if "held" in settings.STORAGES else "default"]


def _held_gone():
    return ServiceError("held_photos_gone", _("The photos chosen before are no longer kept: "
                                              "choose them again."), field="photos")


def _matter_pk(matter):
    return matter.pk if matter is not None else None


def hold_photos(uploads, *, by, matter):
    """Clean ``uploads`` and keep them for a later confirmation; return the token naming
    them. Raise ServiceError (nothing kept) if one is not a photo or there are too many."""
    uploads = [u for u in uploads or () if u]
    if len(uploads) > photos.max_photos():
        raise ServiceError("too_many_photos",
                           _("At most %(n)d photos.") % {"n": photos.max_photos()})
    cleaned = photos.clean_photos(uploads)  # within the per-request pixel budget
    purge_held()
    names = [held_storage().save(f"{HELD_DIR}/{secrets.token_hex(16)}.jpg", ContentFile(data))
             for data, _width, _height in cleaned]
    return signing.dumps({"by": by.pk, "matter": _matter_pk(matter), "names": names},
                         salt=_HELD_SALT)


def _held_names(token, *, by, matter):
    try:
        held = signing.loads(token, salt=_HELD_SALT, max_age=HELD_FOR)
    except signing.BadSignature:  # also an expired one
        raise _held_gone() from None
    if not isinstance(held, dict):
        raise _held_gone()
    names = held.get("names")
    if (held.get("by") != by.pk or held.get("matter") != _matter_pk(matter) or not isinstance(names, list)
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
    kept = []
    for name in _held_names(token, by=by, matter=matter):
        try:
            with held_storage().open(name, "rb") as handle:
                kept.append(SimpleUploadedFile(name.rsplit("/", 1)[-1], handle.read(),
                                                 content_type="image/jpeg"))
        except (FileNotFoundError, OSError):
            raise _held_gone() from None
    return kept


def release_held(token, *, by, matter):
    """Delete the photos kept under ``token`` (once they are published); no token, nothing."""
    if not token:
        return
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
