"""What the hotspots app declares to the kernel registry and which events it subscribes to
(docs/architecture.md). The kernel imports this module once at start-up."""

from django.utils.translation import gettext_lazy as _

from tongxin.kernel import registry

# Hot issues are computed when they are read (services.district_groups), so there is no
# stored state for an event to update: the app subscribes to nothing yet.
registry.register("hotspots", audited_reads={"hot_issues": _("hot issues")},
                  xlsx_exports=["hotspots:export", "hotspots:reference_export"])
