"""What the api app declares to the kernel registry and which events it subscribes to
(docs/architecture.md). The kernel imports this module once at start-up."""
from tongxin.api import personal_data  # noqa: F401  (registers the personal data sections)
from tongxin.api.exceptions import error_response
from tongxin.kernel import registry

registry.register("api", hooks={"core.error_response": error_response})
