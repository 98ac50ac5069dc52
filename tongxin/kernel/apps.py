from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KernelConfig(AppConfig):
    """The platform kernel: errors, scope, workflow, events and the registry.

    It imports no domain app. When every app is loaded it imports each app's
    ``manifest`` module, where the app declares itself to the registry and subscribes
    to the events it reacts to (docs/architecture.md).
    """

    name = "tongxin.kernel"
    verbose_name = _("Kernel")

    def ready(self):
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("manifest")
