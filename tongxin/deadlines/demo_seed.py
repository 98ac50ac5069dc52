"""What the deadlines app adds to the demo district: its settings (no automatic
escalation, so the demo's matters stay where the script left them) and the bundled 2026
holiday calendar. Registered from manifest.py."""

from tongxin.deadlines import services
from tongxin.kernel.registry import register

DEMO_HOLIDAY_YEAR = 2026


def seed_demo(district, *, stdout=None):
    _settings, created = services.ensure_settings(district, auto_escalate=False)
    calendar = services.read_calendar(services.bundled_calendar(DEMO_HOLIDAY_YEAR))
    counts = services.load_calendar(district, calendar)
    return {"changed": created + counts["created"] + counts["updated"]}


register("deadlines", demo_seed=seed_demo, demo_order=20)
