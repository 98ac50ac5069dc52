from django.db import models
from django.utils.translation import gettext_lazy as _

from tongxin.places.choices import PlaceKind


class OrgKind(models.TextChoices):
    # The party-organisation chain (seed 004): 党工委 → 社区党委 → 小区党支部 → 网格党小组.
    PARTY_WORKING_COMMITTEE = "party_working_committee", _("Party working committee")
    COMMUNITY_PARTY_COMMITTEE = "community_party_committee", _("Community party committee")
    COMPOUND_PARTY_BRANCH = "compound_party_branch", _("Compound party branch")
    GRID_PARTY_GROUP = "grid_party_group", _("Grid party group")
    # Government and the units that take part in governance.
    GOVERNANCE_OFFICE = "governance_office", _("District governance office")
    DEPARTMENT = "department", _("Department")
    STREET_OFFICE = "street_office", _("Street office")
    PARTNER_UNIT = "partner_unit", _("Partner unit")
    PROPERTY_COMPANY = "property_company", _("Property company")
    OWNERS_COMMITTEE = "owners_committee", _("Owners' committee")
    SOCIAL_ORGANISATION = "social_organisation", _("Social organisation")


PARTY_CHAIN = [
    OrgKind.PARTY_WORKING_COMMITTEE,
    OrgKind.COMMUNITY_PARTY_COMMITTEE,
    OrgKind.COMPOUND_PARTY_BRANCH,
    OrgKind.GRID_PARTY_GROUP,
]

# The kind of place each organisation is attached to, and (for the party chain)
# the kind of its parent organisation.
ORG_PLACE_KINDS = {
    OrgKind.PARTY_WORKING_COMMITTEE: {PlaceKind.STREET},
    OrgKind.COMMUNITY_PARTY_COMMITTEE: {PlaceKind.COMMUNITY},
    OrgKind.COMPOUND_PARTY_BRANCH: {PlaceKind.COMPOUND},
    OrgKind.GRID_PARTY_GROUP: {PlaceKind.GRID},
    OrgKind.GOVERNANCE_OFFICE: {PlaceKind.DISTRICT},
    OrgKind.DEPARTMENT: {PlaceKind.DISTRICT, PlaceKind.STREET},
    OrgKind.STREET_OFFICE: {PlaceKind.STREET},
    OrgKind.PARTNER_UNIT: {PlaceKind.DISTRICT, PlaceKind.STREET, PlaceKind.COMMUNITY},
    OrgKind.PROPERTY_COMPANY: {PlaceKind.COMMUNITY, PlaceKind.COMPOUND},
    OrgKind.OWNERS_COMMITTEE: {PlaceKind.COMPOUND},
    OrgKind.SOCIAL_ORGANISATION: {PlaceKind.DISTRICT, PlaceKind.STREET, PlaceKind.COMMUNITY},
}
PARTY_PARENT = {
    OrgKind.COMMUNITY_PARTY_COMMITTEE: OrgKind.PARTY_WORKING_COMMITTEE,
    OrgKind.COMPOUND_PARTY_BRANCH: OrgKind.COMMUNITY_PARTY_COMMITTEE,
    OrgKind.GRID_PARTY_GROUP: OrgKind.COMPOUND_PARTY_BRANCH,
}
