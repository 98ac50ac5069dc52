"""What the open311 app declares to the kernel registry and which events it subscribes to
(docs/architecture.md). The kernel imports this module once at start-up."""

from tongxin.kernel import registry
from tongxin.open311.render import error_response

registry.register("open311", hooks={"core.error_response": error_response})
