"""Rate limits on the actions a person or script could flood: signing in, raising, votes.

Fixed windows counted in the database (``RateCounter``), so every gunicorn worker sees
the same count. The limits live in ``settings.TONGXIN_RATE_LIMITS`` as
``{name: (requests, seconds)}`` and can be changed with the environment variable of the
same name (JSON). A refused request gets 429, a ``Retry-After`` header and a message in
the user's language; nothing of the request is processed.
"""

import math
import time
from functools import wraps

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from tongxin.core.errors import error_page
from tongxin.core.models import RateCounter
from tongxin.kernel.errors import ServiceError


class Limited(ServiceError):
    """Limit ``name`` is used up for now; try again in ``retry_after`` seconds.

    A ServiceError (code ``rate_limited``), so a service may refuse with it: the pages
    answer with the 429 page (``too_many``), the API with 429 and its error body.
    """

    def __init__(self, name, retry_after):
        super().__init__("rate_limited", _(
            "Too many requests: please wait %(minutes)d minutes and try again.") % {
            "minutes": max(1, math.ceil(retry_after / 60))})
        self.name = name
        self.retry_after = retry_after


def client_ip(request):
    """Return the client's address: REMOTE_ADDR, or the header a trusted proxy sets."""
    header = settings.TONGXIN_CLIENT_IP_HEADER
    if header and request.META.get(header):
        return request.META[header].split(",")[0].strip()[:45]
    return request.META.get("REMOTE_ADDR", "")[:45]


def client_key(request):
    """Identify the client: the signed-in person, else the address."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"p{user.pk}"
    return f"ip{client_ip(request)}"


def _limit(name):
    return settings.TONGXIN_RATE_LIMITS.get(name)


def _window(seconds, now):
    return int(now // seconds * seconds)


def count(name, ident, now=None):
    """Return how many hits ``ident`` has in the current window of limit ``name``."""
    limit = _limit(name)
    if not limit:
        return 0
    window = _window(limit[1], now or time.time())
    row = RateCounter.objects.filter(key=f"{name}:{ident}", window=window).first()
    return row.count if row else 0


def check(name, ident, now=None):
    """Raise ``Limited`` when ``ident`` has used up limit ``name``; count nothing."""
    limit = _limit(name)
    if limit and count(name, ident, now) >= limit[0]:
        raise Limited(name, _retry_after(limit, now))


def _retry_after(limit, now):
    now = now or time.time()
    return max(1, math.ceil(_window(limit[1], now) + limit[1] - now))


def hit(name, ident, now=None):
    """Count one hit for ``ident``; raise ``Limited`` (counting nothing) when over the limit."""
    limit = _limit(name)
    if not limit:
        return
    now = now or time.time()
    key, window = f"{name}:{ident}", _window(limit[1], now)
    with transaction.atomic():
        updated = RateCounter.objects.filter(
            key=key, window=window, count__lt=limit[0]
        ).update(count=F("count") + 1)
        if updated:
            return
        if RateCounter.objects.filter(key=key, window=window).exists():
            # Full, or created by another worker since the update above (two requests of
            # one client at once): count on it while there is room.
            if RateCounter.objects.filter(key=key, window=window, count__lt=limit[0]).update(
                count=F("count") + 1
            ):
                return
            raise Limited(name, _retry_after(limit, now))
        try:
            with transaction.atomic():
                RateCounter.objects.create(key=key, window=window, count=1)
        except IntegrityError:  # another worker created it first: count on that row
            if not RateCounter.objects.filter(key=key, window=window, count__lt=limit[0]).update(
                count=F("count") + 1
            ):
                raise Limited(name, _retry_after(limit, now)) from None
        RateCounter.objects.filter(key=key, window__lt=window).delete()


def too_many(request, error):
    """Render the 429 page for a refused request (the error page's layout and way back)."""
    response = error_page(request, 429, code="throttled", template="core/too_many.html",
                          title=_("Too many requests"), message=message(error),
                          context={"minutes": max(1, math.ceil(error.retry_after / 60))})
    response["Retry-After"] = str(error.retry_after)
    return response


def limited(name, *, methods=("POST",), key=client_key):
    """Decorate a view: count each ``methods`` request against limit ``name``."""

    def wrap(view):
        @wraps(view)
        def run(request, *args, **kwargs):
            if request.method in methods:
                try:
                    hit(name, key(request))
                except Limited as error:
                    return too_many(request, error)
            return view(request, *args, **kwargs)

        return run

    return wrap


def limit_sign_in(view):
    """Decorate a sign-in view that is not ours (the admin's): put it under the per-address
    limit of failed sign-ins the sign-in page and the API's token endpoint share.

    A POST from a limited address is refused before any password is checked; a POST
    that does not end in a sign-in (the view's redirect) counts one failure, whoever was
    signed in before it (a resident's session must not make guessing free).
    """

    @wraps(view)
    def run(request, *args, **kwargs):
        if request.method != "POST":
            return view(request, *args, **kwargs)
        address = client_ip(request)
        try:
            check("sign_in_failures", address)
        except Limited as error:
            return too_many(request, error)
        response = view(request, *args, **kwargs)
        signed_in = response.status_code in (301, 302) and request.user.is_authenticated
        if not signed_in:
            try:
                hit("sign_in_failures", address)
            except Limited as error:
                return too_many(request, error)
        return response

    return run


def message(error):
    return error.messages[0]
