"""The routing table (which rule wins, who may keep it), and pages without a trained model."""

import pytest
from django.test import override_settings
from django.urls import reverse

from tongxin.core.models import Event
from tongxin.kernel.errors import PermissionDenied, ServiceError
from tongxin.matters.choices import Level
from tongxin.orgs.choices import OrgKind
from tongxin.orgs.services import create_organisation
from tongxin.people.choices import Role
from tongxin.triage import runtime, services
from tongxin.triage.models import RoutingRule, Suggestion
from tongxin.triage.routing import suggest_handler

pytestmark = pytest.mark.django_db

EDITORS = {Role.DISTRICT_OFFICER, Role.SYSTEM_ADMIN}
# Those who hear, handle and escalate matters: the table says where a matter goes.
READERS = EDITORS | {
    Role.GRID_WORKER, Role.COMPOUND_SECRETARY, Role.COMMUNITY_SECRETARY,
    Role.COMMITTEE_MEMBER, Role.STREET_OFFICER,
}
ALL_ROLES = list(Role)


@pytest.fixture(autouse=True)
def _no_loaded_models():
    runtime.forget()
    yield
    runtime.forget()


@pytest.fixture
def officer(world):
    return world.by_role[Role.DISTRICT_OFFICER]


def rule(world, officer, category, *, place=None, level="", department=None, priority=0):
    return services.create_rule(by=officer, district=world.district, category=category,
                                place=place, level=level, department=department,
                                priority=priority)


# --- which rule wins ---------------------------------------------------------------------------


def test_no_rule_means_no_suggested_handler(world, categories):
    assert suggest_handler(categories["乱停乱放"], world.b1) is None


def test_a_rule_covers_its_category_and_everything_below(world, categories, officer):
    rule(world, officer, categories["社区治理"], level=Level.COMMUNITY)
    handler = suggest_handler(categories["乱停乱放"], world.b1)
    assert handler.level == Level.COMMUNITY and handler.department is None
    assert suggest_handler(categories["城乡建设"], world.b1) is None


def test_the_deeper_category_wins_over_the_narrower_place(world, categories, officer):
    rule(world, officer, categories["社区治理"], place=world.compound_a1a, level=Level.COMPOUND)
    rule(world, officer, categories["停车管理"], level=Level.STREET)
    assert suggest_handler(categories["乱停乱放"], world.b1).level == Level.STREET


def test_the_narrower_place_wins_for_the_same_category(world, categories, officer):
    rule(world, officer, categories["停车管理"], level=Level.STREET)
    rule(world, officer, categories["停车管理"], place=world.community_a1, level=Level.COMMUNITY)
    rule(world, officer, categories["停车管理"], place=world.compound_a1a, level=Level.GRID)
    assert suggest_handler(categories["乱停乱放"], world.b1).level == Level.GRID
    assert suggest_handler(categories["乱停乱放"], world.compound_a1b).level == Level.COMMUNITY
    assert suggest_handler(categories["乱停乱放"], world.b5).level == Level.STREET  # other street


def test_priority_decides_between_equally_specific_rules(world, categories, officer):
    rule(world, officer, categories["停车管理"], level=Level.STREET, priority=1)
    rule(world, officer, categories["停车管理"], place=world.compound_a1a, level=Level.GRID)
    rule(world, officer, categories["停车管理"], place=world.compound_a1b, level=Level.COMPOUND,
         priority=5)
    assert suggest_handler(categories["停车位不足"], world.b1).level == Level.GRID


def test_a_department_can_be_the_handler(world, categories, officer):
    rule(world, officer, categories["违章搭建"], department=world.department)
    handler = suggest_handler(categories["违章搭建"], world.h1)
    assert handler.department == world.department and handler.label == "城管局"


# --- the services ------------------------------------------------------------------------------


def test_every_change_to_the_table_leaves_an_event(world, categories, officer):
    item = rule(world, officer, categories["停车管理"], level=Level.STREET)
    services.update_rule(item, by=officer, category=categories["停车管理"], level=Level.COMMUNITY,
                         notes="社区统筹")
    services.delete_rule(item, by=officer)
    actions = list(Event.objects.filter(subject_id=str(item.pk), action__startswith="triage.rule")
                   .order_by("pk").values_list("action", flat=True))
    assert actions == ["triage.rule_created", "triage.rule_updated", "triage.rule_deleted"]
    assert not RoutingRule.objects.exists()


@pytest.mark.parametrize("bad, code", [
    ({"level": "", "department": None}, "bad_handler"),
    ({"level": Level.GRID, "department": "department"}, "bad_handler"),
    ({"level": "", "department": "partner"}, "bad_department"),
    ({"level": Level.GRID, "place": "h1"}, "bad_place"),
])
def test_a_rule_names_one_real_handler_at_a_place_of_the_district(world, categories, officer,
                                                                  bad, code):
    arguments = {"level": "", "department": None, "place": None, **bad}
    for key in ("department", "place"):
        if isinstance(arguments[key], str):
            arguments[key] = getattr(world, arguments[key])
    with pytest.raises(ServiceError) as refused:
        services.create_rule(by=officer, district=world.district,
                             category=categories["停车管理"], **arguments)
    assert refused.value.code == code
    assert not RoutingRule.objects.exists()


def test_a_second_rule_for_the_same_category_and_place_is_refused(world, categories, officer):
    rule(world, officer, categories["停车管理"], level=Level.STREET)
    with pytest.raises(ServiceError) as refused:
        rule(world, officer, categories["停车管理"], level=Level.GRID)
    assert refused.value.code == "duplicate_rule"


def test_a_department_of_another_district_is_refused(world, categories, officer):
    from tongxin.places.choices import PlaceKind
    from tongxin.places.services import create_place

    other = create_place(kind=PlaceKind.DISTRICT, name="别区", code="990102")
    foreign = create_organisation(kind=OrgKind.DEPARTMENT, name="别区城管局", place=other)
    with pytest.raises(ServiceError) as refused:
        rule(world, officer, categories["违章搭建"], department=foreign)
    assert refused.value.code == "bad_department"


@pytest.mark.parametrize("role", sorted(set(Role) - EDITORS), ids=lambda r: r.value)
def test_only_district_staff_change_the_table(world, categories, role):
    with pytest.raises(PermissionDenied):
        services.create_rule(by=world.by_role[role], district=world.district,
                             category=categories["停车管理"], level=Level.GRID)


# --- the page, for every role --------------------------------------------------------------------


@pytest.mark.parametrize("role", ALL_ROLES, ids=lambda r: r.value)
def test_the_routing_page_is_for_staff_and_kept_by_district_staff(client, world, categories,
                                                                  officer, role):
    existing = rule(world, officer, categories["停车管理"], level=Level.STREET)
    client.force_login(world.by_role[role])
    page = client.get(reverse("triage:routing"))
    added = client.post(reverse("triage:routing_add", args=[world.district.code]), {
        "category": categories["违章搭建"].pk, "handler": f"department:{world.department.pk}",
        "priority": 0})
    edit = client.get(reverse("triage:routing_edit", args=[existing.pk]))
    deleted = client.post(reverse("triage:routing_delete", args=[existing.pk]))
    if role in EDITORS:
        assert page.status_code == 200 and b"data-add-rule" in page.content
        assert added.status_code == 302 and edit.status_code == 200 and deleted.status_code == 302
        assert list(RoutingRule.objects.values_list("category__name", flat=True)) == ["违章搭建"]
    elif role in READERS:
        assert page.status_code == 200 and b"data-add-rule" not in page.content
        assert "停车管理" in page.content.decode() and "同心街道" not in page.content.decode()
        assert (added.status_code, edit.status_code, deleted.status_code) == (403, 403, 403)
        assert RoutingRule.objects.get() == existing
    else:
        assert (page.status_code, added.status_code, edit.status_code,
                deleted.status_code) == (404, 404, 404, 404)
        assert RoutingRule.objects.get() == existing


def test_a_bad_rule_on_the_page_shows_the_error_and_saves_nothing(client, world, categories,
                                                                 officer):
    rule(world, officer, categories["停车管理"], level=Level.STREET)
    client.force_login(officer)
    response = client.post(reverse("triage:routing_add", args=[world.district.code]), {
        "category": categories["停车管理"].pk, "handler": "level:grid", "priority": 0})
    assert response.status_code == 400
    assert "There is already a rule" in response.content.decode() or "已有" in response.content.decode()
    assert RoutingRule.objects.count() == 1


def test_an_editor_changes_a_rule_on_its_page(client, world, categories, officer):
    item = rule(world, officer, categories["停车管理"], level=Level.STREET)
    client.force_login(officer)
    response = client.post(reverse("triage:routing_edit", args=[item.pk]), {
        "category": categories["停车管理"].pk, "place": world.community_a1.pk,
        "handler": "level:community", "priority": 3, "notes": "社区统筹"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.place, item.level, item.priority, item.notes) == (
        world.community_a1, Level.COMMUNITY, 3, "社区统筹")


def test_the_menu_links_the_table_for_readers_only(client, world):
    client.force_login(world.by_role[Role.GRID_WORKER])
    assert reverse("triage:routing") in client.get(reverse("core:home")).content.decode()
    client.force_login(world.resident)
    assert reverse("triage:routing") not in client.get(reverse("core:home")).content.decode()


# --- no model yet ---------------------------------------------------------------------------------


def test_without_a_model_raising_and_hearing_still_work(client, world, categories, new_matter):
    matter = new_matter()
    kept = Suggestion.objects.get(matter=matter)
    assert kept.categories == [] and kept.model is None
    client.force_login(world.by_role[Role.GRID_WORKER])
    page = client.get(reverse("matters:detail", args=[matter.pk]))
    assert page.status_code == 200 and b"data-no-suggestions" in page.content
    client.force_login(world.resident)
    hint = client.get(reverse("triage:raise_hint"), {"title": "电动车乱停", "description": "东门口堆满电动车"})
    assert hint.status_code == 200 and hint.content.strip() == b""


def test_without_a_model_a_training_is_queued_once_in_the_background(world, categories,
                                                                      new_matter,
                                                                      django_capture_on_commit_callbacks):
    from django_tasks import default_task_backend

    with override_settings(TASKS={"default": {
            "BACKEND": "django_tasks.backends.dummy.DummyBackend"}}):
        with django_capture_on_commit_callbacks(execute=True):
            new_matter()
            new_matter(title="楼道灯坏了", description="三楼楼道灯不亮")
        queued = [r for r in default_task_backend.results
                  if r.task.name == "train_triage_task"]
        assert len(queued) == 1 and queued[0].args == [world.district.pk]


def test_the_routing_page_says_when_no_model_is_trained(client, world, officer):
    client.force_login(officer)
    page = client.get(reverse("triage:routing"))
    assert page.status_code == 200 and b"data-no-model" in page.content


def test_retrain_now_is_queued_for_district_staff_only(client, world, officer,
                                                     django_capture_on_commit_callbacks):
    from django_tasks import default_task_backend

    with override_settings(TASKS={"default": {
            "BACKEND": "django_tasks.backends.dummy.DummyBackend"}}):
        client.force_login(world.by_role[Role.GRID_WORKER])
        assert client.post(reverse("triage:retrain", args=[world.district.code])).status_code == 403
        client.force_login(officer)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("triage:retrain", args=[world.district.code]))
        assert response.status_code == 302
        assert [r.args for r in default_task_backend.results] == [[world.district.pk]]
    assert Event.objects.filter(action="triage.training_requested", actor=officer).exists()


@pytest.mark.parametrize("role", ALL_ROLES, ids=lambda r: r.value)
def test_the_category_hint_is_for_residents_raising_in_their_own_district(client, world,
                                                                         categories, role):
    client.force_login(world.by_role[role])
    response = client.get(reverse("triage:raise_hint"), {"title": "东门电动车乱停", "description": "堵住消防通道"})
    assert response.status_code == (200 if role == Role.RESIDENT else 404)


def test_the_category_hint_needs_a_sign_in(client):
    response = client.get(reverse("triage:raise_hint"), {"title": "东门电动车乱停"})
    assert response.status_code == 302
