"""What the deadlines app adds to the demo district: its settings (no automatic
escalation, so the demo's matters stay where the script left them). Public holidays
come from the national arrangement (deadlines.national) and need no seeding.
Registered from manifest.py."""

from tongxin.deadlines import services
from tongxin.kernel.registry import register


def seed_demo(district, *, stdout=None):
    _settings, created = services.ensure_settings(district, auto_escalate=False)
    return {"changed": int(created)}


register("deadlines", demo_seed=seed_demo, demo_order=20)
