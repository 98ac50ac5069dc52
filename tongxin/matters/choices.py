"""Statuses, kinds and the other closed lists of the matter loop (DOMAIN.md §2, seed 004)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# The handling kinds and levels are the vocabulary deadline rules are keyed on, so
# they live below the matter loop; matters keeps these names for its own code.
from tongxin.deadlines.choices import Kind  # noqa: F401
from tongxin.places.choices import LEVEL_ORDER, Level  # noqa: F401


class Status(models.TextChoices):
    NEW = "new", _("New")  # raised, waiting to be heard
    IN_PROGRESS = "in_progress", _("Being handled")
    AWAITING_DELIBERATION = "awaiting_deliberation", _("Awaiting deliberation")
    WHISTLED = "whistled", _("Whistled to departments")
    RESOLVED = "resolved", _("Resolved, awaiting inspection and rating")
    RECTIFYING = "rectifying", _("Being rectified")
    CLOSED = "closed", _("Closed")
    CLOSED_UNSOLVED = "closed_unsolved", _("Closed but not solved")
    REJECTED = "rejected", _("Not accepted")
    MERGED = "merged", _("Merged into another matter")


OPEN_STATUSES = frozenset({
    Status.NEW, Status.IN_PROGRESS, Status.AWAITING_DELIBERATION, Status.WHISTLED,
    Status.RESOLVED, Status.RECTIFYING,
})
# Statuses in which the owner still has to act (and so a deadline runs against them).
ACTIVE_STATUSES = frozenset({Status.NEW, Status.IN_PROGRESS, Status.WHISTLED, Status.RECTIFYING})


class Channel(models.TextChoices):
    """Where a matter was heard (三级双线: online and offline, seed 004)."""

    ONLINE = "online", _("Online")
    WECHAT_GROUP = "wechat_group", _("WeChat group")
    HALL = "hall", _("Matters hall (说事厅)")
    CORNER = "corner", _("Matters corner (说事点)")
    MOBILE_LISTENING = "mobile_listening", _("Red stool mobile listening (红马扎)")
    TEA_HOUSE = "tea_house", _("Pinghe tea house (平和茶社)")
    VISIT = "visit", _("Door-to-door visit (走访)")
    HOTLINE = "hotline", _("Hotline")


class RejectReason(models.TextChoices):
    NOT_GOVERNANCE = "not_governance", _("Not a governance matter")
    DUPLICATE = "duplicate", _("Duplicate")
    NOT_HERE = "not_here", _("Not in this area")
    INCOMPLETE = "incomplete", _("Too little to act on")
    OTHER = "other", _("Other")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY = "basically", _("Basically satisfied")
    UNSATISFIED = "unsatisfied", _("Unsatisfied")


class WhistleStatus(models.TextChoices):
    WHISTLED = "whistled", _("Whistled, waiting for the department")
    REPORTED = "reported", _("Reported in")
    ANSWERED = "answered", _("Answered")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")  # the reporter sees it on the timeline
    INTERNAL = "internal", _("Staff only")
