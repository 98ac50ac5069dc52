"""What the demo app declares to the kernel registry and which events it subscribes to
(docs/architecture.md). The kernel imports this module once at start-up."""

from tongxin.demo.matters import write_demo_matters
from tongxin.kernel.registry import register

# The district itself (places, people, organisations, logins) is the demo's base, built
# before any seed (builder.py); the forty matters follow the categories and holidays.
register("demo", demo_seed=write_demo_matters, demo_order=30)
