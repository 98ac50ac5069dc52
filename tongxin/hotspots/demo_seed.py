"""What the hotspots app adds to the demo district: its hot issues, computed once the
district and its matters are committed, so that ``make demo`` shows them at once.
Registered from manifest.py as an extra seed (tests that build the district skip it)."""

from tongxin.kernel.registry import register


def seed_demo(district, *, stdout=None):
    from tongxin.hotspots.computing import compute_all

    groups = compute_all(district=district)
    return {"line": f"Hot issues computed: {groups} groups"}


register("hotspots", demo_seed=seed_demo, demo_order=50, demo_extra=True)
