"""The deadline admin pages: only for system administrators; changes go through the services."""

import pytest
from django.urls import reverse

from tongxin.core.models import Event
from tongxin.deadlines.choices import Stage, Unit
from tongxin.deadlines.models import CalendarDay, DeadlineRule, DistrictSettings
from tongxin.people.choices import Role
from tongxin.people.services import grant_superuser

pytestmark = pytest.mark.django_db

PAGES = ["deadlinerule", "calendarday", "districtsettings"]


def signed_in(client, person):
    if person.roles.filter(role=Role.SYSTEM_ADMIN).exists():
        # The admin site is the site-wide superuser's (people.services.grant_superuser).
        person = grant_superuser(person)
    client.force_login(person)
    return client


@pytest.mark.parametrize("model", PAGES)
def test_a_system_administrator_opens_the_lists_and_add_pages(client, world, model):
    signed_in(client, world.by_role[Role.SYSTEM_ADMIN])
    for page in ("changelist", "add"):
        response = client.get(reverse(f"admin:deadlines_{model}_{page}"))
        assert response.status_code == 200, (model, page)


@pytest.mark.parametrize("role", [Role.DISTRICT_OFFICER, Role.GRID_WORKER, Role.RESIDENT])
def test_nobody_else_reaches_them(client, world, role):
    signed_in(client, world.by_role[role])
    response = client.get(reverse("admin:deadlines_deadlinerule_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_adding_a_rule_records_an_event(client, world, categories):
    signed_in(client, world.by_role[Role.SYSTEM_ADMIN])
    response = client.post(reverse("admin:deadlines_deadlinerule_add"), {
        "district": world.district.pk, "stage": Stage.HANDLE, "amount": 3,
        "unit": Unit.WORKING_DAYS, "kind": "", "level": "",
        "category": categories["停车管理"].pk,
    })
    assert response.status_code == 302
    rule = DeadlineRule.objects.get()
    assert (rule.amount, rule.category) == (3, categories["停车管理"])
    event = Event.objects.get(action="deadlines.deadlinerule.created")
    assert event.actor == world.by_role[Role.SYSTEM_ADMIN]
    assert event.place_code == world.district.code


def test_a_rule_cannot_use_another_district_s_category(client, world):
    from tongxin.matters.models import Category
    from tongxin.places.choices import PlaceKind
    from tongxin.places.services import create_place

    other = create_place(kind=PlaceKind.DISTRICT, name="别区", code="990102")
    foreign = Category.objects.create(district=other, name="别的分类")
    signed_in(client, world.by_role[Role.SYSTEM_ADMIN])
    response = client.post(reverse("admin:deadlines_deadlinerule_add"), {
        "district": world.district.pk, "stage": Stage.HANDLE, "amount": 3,
        "unit": Unit.WORKING_DAYS, "category": foreign.pk,
    })
    assert response.status_code == 200
    assert not DeadlineRule.objects.exists()


def test_only_districts_are_offered_as_the_district(client, world):
    signed_in(client, world.by_role[Role.SYSTEM_ADMIN])
    response = client.get(reverse("admin:deadlines_districtsettings_add"))
    choices = list(response.context["adminform"].form.fields["district"].queryset)
    assert choices == [world.district]


def test_switching_on_automatic_escalation(client, world):
    signed_in(client, world.by_role[Role.SYSTEM_ADMIN])
    response = client.post(reverse("admin:deadlines_districtsettings_add"), {
        "district": world.district.pk, "auto_escalate": "on", "deliberation_day": 10,
    })
    assert response.status_code == 302
    assert DistrictSettings.objects.get(district=world.district).auto_escalate


def test_a_deliberation_day_must_be_a_day_of_the_month(client, world):
    signed_in(client, world.by_role[Role.SYSTEM_ADMIN])
    response = client.post(reverse("admin:deadlines_districtsettings_add"), {
        "district": world.district.pk, "deliberation_day": 32,
    })
    assert response.status_code == 200 and not DistrictSettings.objects.exists()


def test_deleting_a_calendar_day_records_an_event(client, world):
    from datetime import date

    day = CalendarDay.objects.create(district=world.district, date=date(2026, 10, 1),
                                     is_working_day=False, name="国庆节")
    signed_in(client, world.by_role[Role.SYSTEM_ADMIN])
    response = client.post(reverse("admin:deadlines_calendarday_delete", args=[day.pk]),
                           {"post": "yes"})
    assert response.status_code == 302 and not CalendarDay.objects.exists()
    assert Event.objects.filter(action="deadlines.calendarday.deleted").exists()


def test_the_calendar_list_shows_the_weekday(client, world):
    from datetime import date

    CalendarDay.objects.create(district=world.district, date=date(2026, 10, 10),
                               is_working_day=True, name="国庆节调休上班")
    signed_in(client, world.by_role[Role.SYSTEM_ADMIN])
    response = client.get(reverse("admin:deadlines_calendarday_changelist"))
    assert "星期六" in response.content.decode()
