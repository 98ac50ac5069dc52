"""What the hotspots app declares to the kernel registry and which events it subscribes to
(docs/architecture.md). The kernel imports this module once at start-up."""

from django.utils.translation import gettext_lazy as _

from tongxin.hotspots import (
    computing,
    demo_seed,  # noqa: F401  (computes the demo district's hot issues)
    personal_data,  # noqa: F401  (registers the personal data section)
)
from tongxin.kernel import events, registry

# The stored hot issues (computing.py): any change to a matter marks its street and
# district for computing again, in the background, debounced.
events.subscribe("matters.*", computing.matter_changed)

registry.register("hotspots", audited_reads={"hot_issues": _("hot issues")},
                  xlsx_exports=["hotspots:export", "hotspots:reference_export"])
