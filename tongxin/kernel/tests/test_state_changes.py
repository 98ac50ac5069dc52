"""No code but the workflow engine assigns a state (kernel.workflow.apply)."""

import ast
from pathlib import Path

from django.apps import apps

TONGXIN = Path(__file__).resolve().parents[2]
ENGINE = TONGXIN / "kernel" / "workflow.py"
STATE_FIELDS = {"status"}
WRITING_CALLS = {"update", "create", "get_or_create", "update_or_create", "bulk_create"}


def shipped_modules():
    for path in sorted(TONGXIN.rglob("*.py")):
        parts = path.relative_to(TONGXIN).parts
        if "tests" in parts or "migrations" in parts or path.name == "conftest.py":
            continue
        if path != ENGINE:
            yield path


def model_names():
    return {model.__name__ for model in apps.get_models()}


def _outside_models(tree, models):
    """Yield the nodes of ``tree``, leaving out the bodies of classes that are not models
    (an HTTP error's ``self.status`` is not a record's state)."""
    for node in list(ast.walk(tree)):
        if isinstance(node, ast.ClassDef) and node.name not in models:
            node.body = []
    yield from ast.walk(tree)


def _written(target):
    """Yield what an assignment target writes (``a.b``, each of ``a, b.c``), not what it
    reads on the way (``counts[delivery.status]`` writes into ``counts``)."""
    if isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _written(element)
    elif isinstance(target, ast.Starred):
        yield from _written(target.value)
    else:
        yield target


def assignments_of_state(tree, models=None):
    """Yield (line, what) for every write of a state field the tree makes: assignments to
    ``.status``, ``setattr``, and ``status=`` given to a queryset write or a model."""
    models = model_names() if models is None else models
    for node in _outside_models(tree, models):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        for target in targets:
            for element in _written(target):
                if isinstance(element, ast.Attribute) and element.attr in STATE_FIELDS:
                    yield node.lineno, f"assigns .{element.attr}"
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name == "setattr" and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) \
                    and node.args[1].value in STATE_FIELDS:
                yield node.lineno, "setattr of a state"
            writes = name in WRITING_CALLS or (isinstance(func, ast.Name) and name in models)
            for keyword in node.keywords if writes else ():
                if keyword.arg in STATE_FIELDS:
                    yield node.lineno, f"{name}({keyword.arg}=…)"


def test_no_module_assigns_a_state_outside_the_workflow_engine():
    found = [
        f"{path.relative_to(TONGXIN.parent)}:{line}: {what}"
        for path in shipped_modules()
        for line, what in assignments_of_state(ast.parse(path.read_text(), str(path)))
    ]
    assert found == []


def test_the_check_catches_each_way_of_writing_a_state():
    source = """
matter.status = "closed"
matter.status, matter.closed_at = "closed", now
Matter.objects.filter(pk=1).update(status="closed")
Whistle.objects.create(matter=m, status="answered")
Matter(title="x", status="new")
setattr(matter, "status", "closed")
Matter.objects.filter(status="new")          # a read, not a write
counts[delivery.status] += 1                 # a read, not a write
"""
    class_body = """
class Refusal(Exception):
    def __init__(self, status):
        self.status = status                     # not a model: an HTTP status
"""
    assert len(list(assignments_of_state(ast.parse(source), {"Matter"}))) == 6
    assert list(assignments_of_state(ast.parse(class_body), {"Matter"})) == []
