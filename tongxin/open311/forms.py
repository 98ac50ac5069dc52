"""Read a POST requests body (GeoReport v2 arguments) into what file_request() takes.

Every problem with the body is reported at once, in the spec's error list; an unknown
service_code is the spec's 404 on its own.
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from tongxin.kernel.errors import ServiceError
from tongxin.open311.catalogue import SUBCATEGORY, definition, find_service, subcategories
from tongxin.open311.render import Open311Error
from tongxin.people.validators import normalise_phone
from tongxin.places.choices import PlaceKind
from tongxin.places.models import Place

DESCRIPTION_MAX = 4000  # the spec's limit (Tongxin's own is 5000)
ADDRESS_MAX = 200
CONTACT_NAME_MAX = 64
ACCOUNT_ID_MAX = 100
MEDIA_URL_MAX = 500
TITLE_LENGTH = 30
# Where an address_id may point: an address, not an administrative area or a home.
ADDRESS_KINDS = {PlaceKind.COMMUNITY, PlaceKind.COMPOUND, PlaceKind.BUILDING}


def _text(params, name):
    return (params.get(name) or "").replace("\x00", "").strip()  # no database stores NUL


def _coordinate(params, name, limit, problems):
    raw = _text(params, name)
    try:
        value = Decimal(raw)
    except InvalidOperation:
        problems.append(_("%(name)s must be a number in decimal degrees (WGS84).") % {"name": name})
        return None
    if not value.is_finite() or abs(value) > limit:
        problems.append(_("%(name)s must lie between -%(limit)d and %(limit)d.")
                        % {"name": name, "limit": limit})
        return None
    return value.quantize(Decimal("0.000001"))


def contact_name(first, last):
    """Join a name the way it is written: 张 + 小明 = 张小明, John + Smith = John Smith."""
    if not (first and last):
        return first or last
    if all(ord(ch) > 0x2E7F for ch in first + last):
        return last + first
    return f"{first} {last}"


def title_from(description, fallback):
    line = description.strip().splitlines()[0].strip() if description.strip() else ""
    if not line:
        return fallback
    return line if len(line) <= TITLE_LENGTH else line[:TITLE_LENGTH - 1] + "…"


def _location(params, district, key, problems):
    found = {"latitude": None, "longitude": None}
    has_lat, has_long = bool(_text(params, "lat")), bool(_text(params, "long"))
    if has_lat != has_long:
        problems.append(_("lat and long must be given together."))
    elif has_lat:
        found["latitude"] = _coordinate(params, "lat", 90, problems)
        found["longitude"] = _coordinate(params, "long", 180, problems)
    address = _text(params, "address_string")
    if len(address) > ADDRESS_MAX:
        problems.append(_("address_string may be at most %(max)d characters.")
                        % {"max": ADDRESS_MAX})
    found["address"] = address
    address_id = _text(params, "address_id")
    place = None
    if address_id:
        place = (Place.objects.within(district).filter(code=address_id, kind__in=ADDRESS_KINDS)
                 .first())
        if place is None:
            problems.append(_("address_id %(code)s is not a community, compound or building of "
                              "this jurisdiction.") % {"code": address_id})
    elif key.default_place_id is not None:
        place = key.default_place
    else:
        problems.append(_("address_id was not provided, and this api_key has no default place."))
    if not (has_lat or address or address_id):
        problems.append(_("A location is required: lat and long, address_string or address_id."))
    found["place"] = place
    return found


def _attributes(params, service, problems):
    """Return the category the attributes pick: a subcategory, or the service itself."""
    for attribute in definition(service)["attributes"]:
        if attribute["required"] and not _text(params, f"attribute[{attribute['code']}]"):
            problems.append(_("The required attribute %(code)s was not provided.")
                            % {"code": attribute["code"]})
    chosen = _text(params, f"attribute[{SUBCATEGORY}]")
    if not chosen:
        return service
    kinds = {str(k.pk): k for k in subcategories(service)}
    if chosen not in kinds:
        problems.append(_("attribute[%(code)s] must be one of the values in the service "
                          "definition.") % {"code": SUBCATEGORY})
        return service
    return kinds[chosen]


def parse_new_request(params, *, district, key):
    """Return the keyword arguments of services.file_request(), or raise Open311Error."""
    code = _text(params, "service_code")
    if not code:
        raise Open311Error(400, _("service_code was not provided."))
    service = find_service(district, code)
    if service is None:
        raise Open311Error(404, _("service_code provided was not found."))
    problems = []
    fields = _location(params, district, key, problems)
    fields["category"] = _attributes(params, service, problems)

    description = params.get("description") or ""
    if len(description.strip()) > DESCRIPTION_MAX:
        problems.append(_("description may be at most %(max)d characters (it has %(n)d).")
                        % {"max": DESCRIPTION_MAX, "n": len(description.strip())})
    fallback = fields["category"].name
    fields["description"] = description.strip() or fallback
    fields["title"] = title_from(description, fallback)

    media_url = _text(params, "media_url")
    if media_url:
        try:
            if len(media_url) > MEDIA_URL_MAX:
                raise ValidationError("too long")
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError:
            problems.append(_("media_url must be an http(s) URL of at most %(max)d characters.")
                            % {"max": MEDIA_URL_MAX})
    fields["media_url"] = media_url

    name = contact_name(_text(params, "first_name"), _text(params, "last_name"))
    if len(name) > CONTACT_NAME_MAX:
        problems.append(_("first_name and last_name may be at most %(max)d characters together.")
                        % {"max": CONTACT_NAME_MAX})
    fields["contact_name"] = name
    try:
        fields["contact_phone"] = normalise_phone(_text(params, "phone"))
    except ServiceError as error:
        problems.append(error.message)

    account_id = _text(params, "account_id")
    if len(account_id) > ACCOUNT_ID_MAX:
        problems.append(_("account_id may be at most %(max)d characters.")
                        % {"max": ACCOUNT_ID_MAX})
    fields["account_id"] = account_id
    if problems:
        raise Open311Error(400, *problems)
    return fields
