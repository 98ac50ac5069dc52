from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    """What a deadline is for."""

    HEAR = "hear", _("Hear and triage")
    HANDLE = "handle", _("Handle")
    WHISTLE_REPORT = "whistle_report", _("Department reports in")
    WHISTLE_ANSWER = "whistle_answer", _("Department answers")
    RECTIFY = "rectify", _("Rectify")
    REOPEN_WINDOW = "reopen_window", _("Reporter may reopen")


class Kind(models.TextChoices):
    """How the grid worker classifies a heard matter (听事)."""

    IMMEDIATE = "immediate", _("Handle now (即办件)")
    PENDING = "pending", _("Needs deliberation or coordination (待办件)")
    ESCALATE = "escalate", _("Escalate (上报件)")


class Unit(models.TextChoices):
    HOURS = "hours", _("hours")
    DAYS = "days", _("calendar days")
    WORKING_DAYS = "working_days", _("working days")
