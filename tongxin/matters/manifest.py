"""What the matters app declares to the kernel registry and which events it subscribes to
(docs/architecture.md). The kernel imports this module once at start-up."""
from tongxin.matters import (
    demo_seed,  # noqa: F401  (registers the demo categories)
    personal_data,  # noqa: F401  (registers the personal data sections)
)
