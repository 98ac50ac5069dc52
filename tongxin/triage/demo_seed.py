"""What the triage app adds to the demo district: routing rules and a trained suggester
(tongxin/triage/demo.py). Registered from manifest.py as an extra seed: ``load_demo`` runs
it after the district is committed, and tests that build the district skip it."""

from tongxin.kernel.registry import register


def seed_demo(district, *, stdout=None):
    # Imported here, not at the top: every process imports the manifests at start-up and
    # the web workers should not load numpy and the training code (bench/README.md).
    from tongxin.triage.demo import ensure_demo_triage

    return {"line": ensure_demo_triage(district)}


register("triage", demo_seed=seed_demo, demo_order=40, demo_extra=True)
