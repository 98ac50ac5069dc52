"""Open311 GeoReport v2 endpoints, with FixMyStreet's servicerequestupdates extension.

Each view parses, authorises (rules.py) and reads or calls services.py; render.py writes
the answer as XML or JSON, chosen by the URL's .xml/.json suffix. Every refusal is the
spec's error list with its HTTP status (400, 403, 404; 500 for the unexpected; 503 with
Retry-After when the database is unavailable, answered by core's middleware).
"""

import functools
import logging
import re
from datetime import UTC, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import BadRequest, SuspiciousOperation
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from tongxin.core.errors import database_unavailable
from tongxin.core.ratelimit import Limited, hit
from tongxin.core.ratelimit import message as ratelimit_message
from tongxin.kernel.errors import PermissionDenied, ServiceError
from tongxin.kernel.scope import PUBLIC
from tongxin.matters import selectors
from tongxin.open311 import presenters, rules
from tongxin.open311.catalogue import definition, find_service, service_list
from tongxin.open311.forms import parse_new_request
from tongxin.open311.models import Open311Request
from tongxin.open311.render import Open311Error, errors, respond
from tongxin.open311.services import file_request

logger = logging.getLogger(__name__)

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-06T00:00:00+08:00"  # bump when what the endpoints return changes
MAX_SPAN = timedelta(days=90)  # the spec's default window and widest start/end span
MAX_REQUESTS = 1000  # the spec's default limit: 90 days or the first 1000 requests
# The dates a window may start or end on: every date in between, its 90-day span and its
# UTC time exist for Python and both databases (0001-01-01 or 9999-12-31 overflow).
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9998, 12, 31, 23, 59, 59, tzinfo=UTC)
_OFFSET_SPACE = re.compile(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$")


def endpoint(*methods):
    """Answer wrong methods, refusals and crashes in the spec's error format."""
    def wrap(view):
        @csrf_exempt  # clients sign with api_key, not with a session cookie
        @functools.wraps(view)
        def run(request, fmt, **kwargs):
            try:
                if request.method not in methods:
                    response = errors(fmt, Open311Error(
                        405, _("Use %(methods)s here.") % {"methods": " or ".join(methods)}))
                    response["Allow"] = ", ".join(methods)
                    return response
                return view(request, fmt, **kwargs)
            except Open311Error as error:
                return errors(fmt, error)
            except (BadRequest, MultiPartParserError, SuspiciousOperation):
                # A body Django cannot read (oversized field names, too many fields …).
                return errors(fmt, Open311Error(400, _("The request cannot be carried out.")))
            except Exception as error:
                if database_unavailable(error):
                    raise  # 503 with Retry-After (core.middleware), in this format (render.py)
                logger.exception("Open311 %s %s failed", request.method, request.path)
                return errors(fmt, Open311Error(500, _("The server could not answer; "
                                                       "please try again later.")))
        return run
    return wrap


def _reader(request):
    """Return the jurisdiction a GET reads: public, but a key may read only its own."""
    key = rules.key_from(request.GET, required=False)
    return rules.jurisdiction_from(request.GET, key)


def _moment(params, name, *, end):
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    # An unencoded "+08:00" in a query string arrives as " 08:00".
    raw = _OFFSET_SPACE.sub(r"\1+\2", raw)
    try:
        day = parse_date(raw) if len(raw) == 10 else None
        if day is not None:  # a whole day: from its start, or up to its end
            value = datetime.combine(day, time.max if end else time.min)
        else:
            value = parse_datetime(raw)
    except ValueError:
        value = None
    if value is None:
        raise Open311Error(400, _("%(name)s must be a W3C date-time, "
                                  "e.g. 2026-01-01T00:00:00+08:00.") % {"name": name})
    try:
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        in_range = EARLIEST <= value <= LATEST
    except (OverflowError, ValueError):
        in_range = False
    if not in_range:
        raise Open311Error(400, _("%(name)s is out of range: give a date between %(earliest)s "
                                  "and %(latest)s.") % {
            "name": name, "earliest": EARLIEST.date().isoformat(),
            "latest": LATEST.date().isoformat()})
    return value


def date_range(params):
    """Return (start, end): the last 90 days by default, never wider than 90 days."""
    start = _moment(params, "start_date", end=False)
    end = _moment(params, "end_date", end=True)
    if start and end:
        if end < start:
            raise Open311Error(400, _("end_date is before start_date."))
        if end - start > MAX_SPAN:
            raise Open311Error(400, _("start_date and end_date may not span more than "
                                      "90 days."))
    elif start:
        end = start + MAX_SPAN
    elif end:
        start = end - MAX_SPAN
    else:
        end = timezone.now()
        start = end - MAX_SPAN
    return start, end


def _codes(params, name, *, digits=False, allowed=None):
    values = [v.strip() for v in (params.get(name) or "").split(",") if v.strip()]
    # Ids are decimal and fit the database's integers (SQLite cannot compare a larger one).
    bad = [v for v in values if (digits and not (v.isdecimal() and int(v) < 2**63))
           or (allowed and v not in allowed)]
    if bad:
        raise Open311Error(400, _("%(name)s has values it cannot take: %(values)s.")
                           % {"name": name, "values": ", ".join(bad)})
    return values


# --- the endpoints -----------------------------------------------------------------------------


@endpoint("GET")
def discovery(request, fmt):
    url = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": "json"}))
    return respond(fmt, "discovery", {
        "changeset": CHANGESET,
        "contact": _("Ask the district's governance office about this API."),
        "key_service": _("API keys are issued by the district's governance office."),
        "endpoints": [{
            "specification": SPECIFICATION,
            "url": url.rsplit("/", 1)[0],
            "changeset": CHANGESET,
            "type": "production" if not settings.DEBUG else "test",
            "formats": ["text/xml", "application/json"],
        }],
    })


@endpoint("GET")
def services(request, fmt):
    district = _reader(request)
    return respond(fmt, "services", service_list(district))


@endpoint("GET")
def service_definition(request, fmt, code):
    district = _reader(request)
    service = find_service(district, code)
    if service is None:
        raise Open311Error(404, _("service_code provided was not found."))
    return respond(fmt, "service_definition", definition(service))


@endpoint("GET", "POST")
def service_requests(request, fmt):
    if request.method == "POST":
        return _create(request, fmt)
    district = _reader(request)
    params = request.GET
    ids = _codes(params, "service_request_id", digits=True)
    if ids:
        # The spec: asking by id overrides every other argument.
        matters = rules.jurisdiction_matters(district).filter(pk__in=[int(i) for i in ids])
    else:
        start, end = date_range(params)
        statuses = _codes(params, "status", allowed={presenters.OPEN, presenters.CLOSED})
        codes = _codes(params, "service_code", digits=True)
        matters = selectors.public_requests(
            PUBLIC, district=district, start=start, end=end,
            statuses=presenters.statuses_for(set(statuses)) if statuses else None,
            categories=[int(code) for code in codes])
    matters = presenters.with_request_facts(matters).order_by("-created_at", "-pk")
    return respond(fmt, "service_requests", presenters.requests(matters[:MAX_REQUESTS]))


def _create(request, fmt):
    params = request.POST
    key = rules.key_from(params, required=True)
    try:
        hit("api_write", f"k{key.pk}")
    except Limited as error:
        raise Open311Error(429, ratelimit_message(error)) from None
    district = rules.jurisdiction_from(params, key)
    fields = parse_new_request(params, district=district, key=key)
    try:
        filed = file_request(key=key, idempotency_key=request.headers.get("Idempotency-Key"),
                             **fields)
    except Limited as error:  # the account's raise limit (matters.services.raise_limit)
        raise Open311Error(429, ratelimit_message(error)) from None
    except PermissionDenied as error:
        raise Open311Error(403, *error.messages) from error
    except ServiceError as error:
        raise Open311Error(400, *error.messages) from error
    return respond(fmt, "service_requests", [{
        "service_request_id": str(filed.matter_id),
        "token": filed.token,
        "service_notice": presenters.service_notice(filed.matter),
        "account_id": filed.account_id or None,
    }], status=201)


@endpoint("GET")
def service_request(request, fmt, request_id):
    district = _reader(request)
    found = []
    if request_id.isdecimal():
        matters = rules.jurisdiction_matters(district).filter(pk=int(request_id))
        found = presenters.requests(presenters.with_request_facts(matters))
    if not found:
        raise Open311Error(404, _("service_request_id provided was not found."))
    return respond(fmt, "service_requests", found)


@endpoint("GET")
def token(request, fmt, token):
    district = _reader(request)
    filed = Open311Request.objects.filter(token=token, matter__district=district).first() if (
        "\x00" not in token) else None  # PostgreSQL refuses a NUL byte in a query
    if filed is None:
        raise Open311Error(404, _("token provided was not found."))
    return respond(fmt, "service_requests", [
        {"service_request_id": str(filed.matter_id), "token": filed.token}])


@endpoint("GET")
def service_request_updates(request, fmt):
    """FixMyStreet's extension: the public steps of the jurisdiction's matters in a window."""
    district = _reader(request)
    start, end = date_range(request.GET)
    events = presenters.update_events(rules.jurisdiction_matters(district), start, end)
    return respond(fmt, "service_request_updates", presenters.updates(events[:MAX_REQUESTS]))
