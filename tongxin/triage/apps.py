from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TriageConfig(AppConfig):
    name = "tongxin.triage"
    verbose_name = _("Smart triage")
