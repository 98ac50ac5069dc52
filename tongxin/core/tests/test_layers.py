"""The lower layers know nothing above them: core knows only the kernel; places, orgs and
people know only the layers under them (docs/architecture.md). Tests are left out: a test
may use any app to build its world."""

import ast
from pathlib import Path

import pytest

TONGXIN = Path(__file__).resolve().parents[2]

# Each app and the tongxin apps its code may import (besides itself).
ALLOWED = {
    "core": {"kernel"},
    "places": {"kernel", "core"},
    "orgs": {"kernel", "core", "places"},
    "people": {"kernel", "core", "places", "orgs"},
}


def imported_apps(source):
    """Yield the tongxin app of every import in ``source``, inside functions too."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module]
            if node.module == "tongxin":
                modules = [f"tongxin.{alias.name}" for alias in node.names]
        else:
            continue
        for module in modules:
            parts = module.split(".")
            if parts[0] == "tongxin" and len(parts) > 1:
                yield parts[1], node.lineno


@pytest.mark.parametrize("app", sorted(ALLOWED))
def test_an_app_imports_only_the_layers_under_it(app):
    allowed = ALLOWED[app] | {app}
    wrong = []
    for path in sorted((TONGXIN / app).rglob("*.py")):
        if "tests" in path.relative_to(TONGXIN / app).parts:
            continue
        for imported, line in imported_apps(path.read_text()):
            if imported not in allowed:
                wrong.append(f"{path.relative_to(TONGXIN)}:{line} imports tongxin.{imported}")
    assert not wrong, "\n".join(wrong)


def test_the_check_sees_an_import_inside_a_function():
    source = "def f():\n    from tongxin.matters.models import Matter\n"
    assert list(imported_apps(source)) == [("matters", 2)]
