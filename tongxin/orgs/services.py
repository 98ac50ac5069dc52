"""Every write to organisations."""

from django.db import transaction
from django.utils.translation import gettext as _

from tongxin.core.models import record_event
from tongxin.kernel.errors import ServiceError
from tongxin.orgs.choices import ORG_PLACE_KINDS, PARTY_PARENT, OrgKind
from tongxin.orgs.models import Organisation
from tongxin.places.choices import PlaceKind


@transaction.atomic
def create_organisation(*, kind, name, place, parent=None, by=None):
    """Create an organisation at a place; party organisations must hang on the chain."""
    kind = OrgKind(kind)
    name = (name or "").strip()
    if not name:
        raise ServiceError("org_name_required", _("An organisation needs a name."))
    if place.kind not in ORG_PLACE_KINDS[kind]:
        raise ServiceError(
            "org_bad_place",
            _("A %(kind)s cannot be attached to a %(place_kind)s.")
            % {"kind": kind.label, "place_kind": PlaceKind(place.kind).label},
        )
    expected_parent = PARTY_PARENT.get(kind)
    if expected_parent is not None:
        if parent is None or parent.kind != expected_parent or not place.is_within(parent.place):
            raise ServiceError(
                "org_bad_parent",
                _("A %(kind)s must belong to a %(parent)s above its place.")
                % {"kind": kind.label, "parent": expected_parent.label},
            )
    organisation, created = Organisation.objects.get_or_create(
        kind=kind, name=name, place=place, defaults={"parent": parent}
    )
    if created:
        record_event("organisation.created", organisation, actor=by, place=place, kind=kind.value)
    return organisation
