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


class Unit(models.TextChoices):
    HOURS = "hours", _("hours")
    DAYS = "days", _("calendar days")
    WORKING_DAYS = "working_days", _("working days")
