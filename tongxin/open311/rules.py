"""Who may read and file through Open311, and what a jurisdiction shows.

Reading is public, as the GeoReport v2 spec allows: residents raise matters for the
government to act on, so a jurisdiction's matters are listed with the service, the
status, the place (down to the compound, never a building or a household; coordinates
to about 100 m; never the address_string a partner sent) and the timeline's public
steps. The description (and a partner's media_url) only if the resident consented to
publish (``Matter.publish_consent``), and even then with mobile and ID-card numbers
masked however they are written, flat numbers starred and names starred. Never a
reporter's or contact's name, phone or e-mail. Matters that were not accepted
(rejected) are left out of searches; asked for by id they answer "closed" without
their description, so that whoever filed one can follow it to its end.

Filing needs an API key (api.keys), whose district is its jurisdiction. A key also
binds reading: a request that carries a key may only read the key's own district.
"""

from django.utils.translation import gettext as _

from tongxin.api.keys import check_key
from tongxin.kernel.scope import PUBLIC
from tongxin.matters import selectors
from tongxin.open311.render import Open311Error
from tongxin.places.choices import PlaceKind
from tongxin.places.models import Place


def key_from(params, *, required):
    """Return the ApiKey named by ``api_key``; 403 if it is wrong (or missing when required)."""
    text = (params.get("api_key") or "").strip()
    if not text:
        if required:
            raise Open311Error(403, _("api_key was not provided."))
        return None
    key = check_key(text)
    if key is None:
        raise Open311Error(403, _("api_key is invalid or revoked."))
    return key


def jurisdiction_from(params, key=None):
    """Return the district named by ``jurisdiction_id`` (a district code), checked against ``key``.

    Without a jurisdiction_id the key's district is meant; without either, the only
    district there is (the spec requires the id only of multi-jurisdiction servers).
    """
    code = (params.get("jurisdiction_id") or "").strip()
    if not code:
        if key is not None:
            return key.district
        districts = list(Place.objects.filter(kind=PlaceKind.DISTRICT)[:2])
        if len(districts) != 1:
            raise Open311Error(400, _("jurisdiction_id was not provided."))
        return districts[0]
    # Place codes are digits: anything else (a NUL byte PostgreSQL refuses) is not looked up.
    district = (Place.objects.filter(code=code, kind=PlaceKind.DISTRICT).first()
                if code.isdecimal() else None)
    if district is None:
        raise Open311Error(404, _("jurisdiction_id provided was not found."))
    if key is not None and key.district_id != district.pk:
        raise Open311Error(403, _("This api_key is not valid for jurisdiction %(code)s.")
                           % {"code": code})
    return district


def jurisdiction_matters(district):
    """Return every matter Open311 may show for ``district`` (by id included): the public
    read of matters.selectors."""
    return selectors.public_matters(PUBLIC, district=district)


def shows_description(matter):
    """Whether the public may read what the resident wrote (and a partner's photo): only
    with their consent to publish, and never for a matter not accepted."""
    return matter.publish_consent and matter.status not in selectors.HIDDEN_FROM_PUBLIC_SEARCH
