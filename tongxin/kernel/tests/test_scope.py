"""One visible_to path: every scoped model answers through its scope_q."""

import pytest
from django.apps import apps

from tongxin.kernel.querysets import ScopedQuerySet
from tongxin.kernel.scope import NOBODY, PUBLIC, scope_for

pytestmark = pytest.mark.django_db


def scoped_models():
    return [m for m in apps.get_models()
            if isinstance(m._default_manager.all(), ScopedQuerySet)]


def test_every_model_with_visible_to_goes_through_the_kernel_queryset():
    tongxin_models = [m for m in apps.get_models() if m.__module__.startswith("tongxin.")]
    with_visible_to = {m for m in tongxin_models if hasattr(m._default_manager, "visible_to")}
    assert with_visible_to == set(scoped_models()) and len(with_visible_to) >= 5
    for model in with_visible_to:
        assert callable(getattr(model, "scope_q", None)), model


@pytest.mark.parametrize("scope", [NOBODY, PUBLIC], ids=["nobody", "public"])
def test_someone_signed_out_sees_no_private_rows(world, scope):
    for model in scoped_models():
        if model._meta.label_lower == "places.place":
            continue  # place names are not private; the places a scope covers are empty
        assert not model._default_manager.visible_to(scope).exists(), model


def test_a_user_and_their_scope_see_the_same_rows(world):
    for person in world.by_role.values():
        scope = scope_for(person)
        for model in scoped_models():
            manager = model._default_manager
            assert (set(manager.visible_to(person).values_list("pk", flat=True))
                    == set(manager.visible_to(scope).values_list("pk", flat=True))), model
