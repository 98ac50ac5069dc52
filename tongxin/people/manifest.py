"""What the people app declares to the kernel (docs/architecture.md)."""

from tongxin.kernel import scope
from tongxin.people.scope import compute_scope

scope.set_provider(compute_scope)
from tongxin.people import personal_data  # noqa: E402, F401  (registers its personal data)
