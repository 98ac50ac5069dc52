from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """What a person does at a place (DOMAIN.md, "Users")."""

    RESIDENT = "resident", _("Resident")
    GRID_WORKER = "grid_worker", _("Grid worker")
    BUILDING_HEAD = "building_head", _("Building head")
    COMPOUND_SECRETARY = "compound_secretary", _("Compound party secretary")
    COMMUNITY_SECRETARY = "community_secretary", _("Community party secretary")
    COMMITTEE_MEMBER = "committee_member", _("Two-committee member")
    MEDIATOR = "mediator", _("Mediator")
    LEGAL_ADVISER = "legal_adviser", _("Legal adviser")
    COMMUNITY_POLICE = "community_police", _("Community police officer")
    STREET_OFFICER = "street_officer", _("Street officer")
    DISTRICT_OFFICER = "district_officer", _("District governance office")
    DEPARTMENT_STAFF = "department_staff", _("Department staff")
    PARTNER_MEMBER = "partner_member", _("Partner-unit member")
    PROPERTY_STAFF = "property_staff", _("Property-company staff")
    OWNERS_COMMITTEE = "owners_committee", _("Owners'-committee member")
    SYSTEM_ADMIN = "system_admin", _("System administrator")
