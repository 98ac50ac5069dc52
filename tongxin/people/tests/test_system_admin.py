"""Administration is scoped to the district where the system_admin role is held; the
site-wide superuser is separate, granted by a command and audited (issue 16, item 34)."""

from datetime import date
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from tongxin.api.tokens import issue_token
from tongxin.conftest import PASSWORD
from tongxin.core import audit
from tongxin.core.models import Event
from tongxin.deadlines.models import CalendarDay
from tongxin.matters.categories import seed_categories
from tongxin.matters.models import Category
from tongxin.people.choices import Role
from tongxin.people.services import assign_role, create_person, revoke_role
from tongxin.places.choices import PlaceKind as K
from tongxin.places.services import create_place
from tongxin.triage.models import RoutingRule

pytestmark = pytest.mark.django_db


@pytest.fixture
def district_b(world, categories):
    """A second district with a resident, categories and its own system administrator."""
    b = SimpleNamespace()
    b.district = create_place(kind=K.DISTRICT, name="别区", code="990102")
    street = create_place(kind=K.STREET, name="别街道", parent=b.district)
    community = create_place(kind=K.COMMUNITY, name="别社区", parent=street)
    compound = create_place(kind=K.COMPOUND, name="别小区", parent=community)
    grid = create_place(kind=K.GRID, name="第1网格", parent=compound)
    building = create_place(kind=K.BUILDING, name="1号楼", parent=grid)
    household = create_place(kind=K.HOUSEHOLD, name="1单元101", parent=building)
    seed_categories(b.district)
    b.categories = {c.name: c for c in Category.objects.filter(district=b.district)}
    b.resident = create_person(full_name="别区居民", phone="13800990199", household=household)
    b.admin = create_person(full_name="别区管理员", username="admin_b", phone="13800990198",
                            password="a-long-test-password")
    assign_role(b.admin, role=Role.SYSTEM_ADMIN, place=b.district)
    return b


def add_rule(client, district, category, department_pk):
    return client.post(reverse("triage:routing_add", args=[district.code]), {
        "category": category.pk, "handler": f"department:{department_pk}", "priority": 0})


def test_the_system_admin_role_does_not_make_a_superuser(world, district_b):
    admin = world.by_role[Role.SYSTEM_ADMIN]
    assert not admin.is_superuser and not district_b.admin.is_superuser
    # They reach the admin, where only their district's deadline settings are theirs.
    assert admin.is_staff and not world.by_role[Role.DISTRICT_OFFICER].is_staff


def test_a_system_admin_keeps_the_routing_table_of_their_own_district(client, world,
                                                                       categories, district_b):
    client.force_login(world.by_role[Role.SYSTEM_ADMIN])

    page = client.get(reverse("triage:routing") + f"?district={world.district.code}")
    added = add_rule(client, world.district, categories["违章搭建"], world.department.pk)

    assert page.status_code == 200 and page.context["editor"]
    assert added.status_code == 302
    assert RoutingRule.objects.filter(district=world.district).count() == 1


def test_a_system_admin_cannot_see_or_edit_another_districts_routing_table(
        client, world, district_b):
    client.force_login(world.by_role[Role.SYSTEM_ADMIN])

    page = client.get(reverse("triage:routing") + f"?district={district_b.district.code}")
    added = add_rule(client, district_b.district, district_b.categories["违章搭建"],
                     world.department.pk)

    assert page.status_code == 404
    assert added.status_code == 404
    assert not RoutingRule.objects.filter(district=district_b.district).exists()
    listed = client.get(reverse("triage:routing"))
    assert district_b.district not in list(listed.context["districts"])


def test_a_system_admin_sees_the_people_of_their_own_district_only(client, world, district_b):
    client.force_login(world.by_role[Role.SYSTEM_ADMIN])

    assert client.get(reverse("people:detail", args=[world.resident.pk])).status_code == 200
    assert client.get(reverse("people:detail", args=[district_b.resident.pk])).status_code == 404
    listed = client.get(reverse("people:list"), {"q": "别区"})
    assert "别区居民" not in listed.content.decode()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(world.by_role[Role.SYSTEM_ADMIN])[1]}")
    assert api.get(f"/api/v1/people/{district_b.resident.pk}/").status_code == 404
    assert api.get(f"/api/v1/people/{world.resident.pk}/").status_code == 200


def test_district_b_admin_is_kept_out_of_district_a(client, world, district_b):
    client.force_login(district_b.admin)

    assert client.get(reverse("people:detail", args=[world.resident.pk])).status_code == 404
    assert client.get(reverse("people:detail", args=[district_b.resident.pk])).status_code == 200
    assert client.get(
        reverse("triage:routing") + f"?district={world.district.code}").status_code == 404


def test_a_system_admin_keeps_only_their_districts_deadline_settings_in_the_admin(
        client, world, district_b):
    client.force_login(world.by_role[Role.SYSTEM_ADMIN])
    index = client.get("/admin/")
    assert index.status_code == 200
    models = {m["object_name"] for app in index.context["app_list"] for m in app["models"]}
    assert models == {"DeadlineRule", "CalendarDay", "DistrictSettings"}
    # People, tokens and webhooks are the superuser's.
    assert client.get(reverse("admin:people_person_changelist")).status_code == 403
    assert client.get(reverse("admin:api_accesstoken_changelist")).status_code == 403

    own = CalendarDay.objects.create(district=world.district, date=date(2027, 1, 1),
                                     is_working_day=False, name="元旦")
    other = CalendarDay.objects.create(district=district_b.district, date=date(2027, 1, 1),
                                       is_working_day=False, name="元旦")
    listed = client.get(reverse("admin:deadlines_calendarday_changelist"))
    assert list(listed.context["cl"].result_list) == [own]
    # Its filters name no place of another district (review: the district filter did).
    page = listed.content.decode()
    assert district_b.district.name not in page and "别街道" not in page
    assert client.get(reverse("admin:deadlines_calendarday_change", args=[other.pk])
                      ).status_code in (302, 403, 404)
    # Another district cannot be chosen for a new day: the form refuses it, nothing is saved.
    response = client.post(reverse("admin:deadlines_calendarday_add"), {
        "district": district_b.district.pk, "date": "2027-01-02", "is_working_day": "",
        "name": "别区的日子"})
    assert response.status_code == 200 and "district" in response.context["adminform"].form.errors
    assert not CalendarDay.objects.filter(date=date(2027, 1, 2)).exists()
    response = client.post(reverse("admin:deadlines_calendarday_add"), {
        "district": world.district.pk, "date": "2027-01-02", "is_working_day": "",
        "name": "区里的日子"})
    assert response.status_code == 302
    assert CalendarDay.objects.get(date=date(2027, 1, 2)).district == world.district


def test_a_district_officer_does_not_reach_the_admin_site(client, world):
    client.force_login(world.by_role[Role.DISTRICT_OFFICER])

    response = client.get("/admin/")

    assert response.status_code == 302 and "/admin/login/" in response.url


def test_the_superuser_is_granted_and_revoked_by_a_command_and_audited(client, world,
                                                                       district_b):
    person = world.by_role[Role.DISTRICT_OFFICER]

    call_command("superuser", "grant", person.username)
    person.refresh_from_db()
    assert person.is_superuser
    client.force_login(person)
    assert client.get("/admin/").status_code == 200
    assert client.get(reverse("people:detail", args=[district_b.resident.pk])).status_code == 200

    call_command("superuser", "revoke", person.username)
    person.refresh_from_db()
    assert not person.is_superuser
    actions = list(audit.entries().filter(subject_id=str(person.pk))
                   .values_list("action", flat=True).order_by("pk"))
    assert audit.SUPERUSER_GRANTED in actions and audit.SUPERUSER_REVOKED in actions


def test_revoking_the_role_leaves_a_granted_superuser_alone(world):
    admin = world.by_role[Role.SYSTEM_ADMIN]
    call_command("superuser", "grant", admin.username)

    revoke_role(admin.roles.get(role=Role.SYSTEM_ADMIN))

    admin.refresh_from_db()
    assert admin.is_superuser


def test_a_superusers_changes_in_the_admin_are_in_the_audit_log(client, world):
    admin = world.by_role[Role.SYSTEM_ADMIN]
    call_command("superuser", "grant", admin.username)
    client.force_login(admin)

    response = client.post(reverse("admin:people_person_change", args=[world.resident.pk]), {
        "full_name": "张小明", "username": "resident", "phone": world.resident.phone,
        "id_number": "", "household": world.resident.household_id, "is_household_head": "",
        "is_active": "on", "roles-TOTAL_FORMS": "0", "roles-INITIAL_FORMS": "0"})

    assert response.status_code == 302, response.content.decode()[:2000]
    assert Event.objects.filter(action=audit.ADMIN_CHANGE, actor=admin).exists()


def test_a_password_changed_in_the_admin_is_on_the_record(client, world):
    """Review of item 34: the admin's own password page bypassed the services' record."""
    admin = world.by_role[Role.SYSTEM_ADMIN]
    client.force_login(admin)
    response = client.post(reverse("admin:password_change"), {
        "old_password": PASSWORD, "new_password1": "another-long-password-9",
        "new_password2": "another-long-password-9"})
    assert response.status_code == 302
    assert Event.objects.filter(action="person.password_set", subject_id=str(admin.pk),
                                actor=admin).exists()
