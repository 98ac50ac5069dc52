"""What the matters app adds to the demo district: the category tree (registered from
manifest.py; the forty demo matters are the demo app's own, tongxin/demo/matters.py)."""

from tongxin.kernel.registry import register
from tongxin.matters.categories import seed_categories


def seed_demo(district, *, stdout=None):
    return {"changed": seed_categories(district)}


register("matters", demo_seed=seed_demo, demo_order=10)
