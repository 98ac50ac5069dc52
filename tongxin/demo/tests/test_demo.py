"""The demo district 同心区: its size, party chain, logins, idempotence, determinism, scopes."""

import hashlib
import io
import math
import os
import subprocess
import sys
from datetime import date, datetime, timedelta

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.utils import timezone

from tongxin.core.models import Event
from tongxin.deadlines.models import CalendarDay, DistrictSettings
from tongxin.deadlines.policy import add_working_days
from tongxin.deadlines.services import scan_deadlines
from tongxin.demo.builder import (
    DISTRICT_CODE,
    GRID_HOUSEHOLDS,
    BuildingPlan,
    HouseholdPlan,
    Resident,
    build_demo_district,
    plan_district,
    write_households,
)
from tongxin.demo.logins import DEMO_LOGINS, DEMO_PASSWORD, DEMO_URL
from tongxin.demo.matters import MATTERS as DEMO_MATTERS
from tongxin.kernel import registry
from tongxin.kernel.errors import ServiceError
from tongxin.matters.choices import Level, Status
from tongxin.matters.models import Category, Matter, MatterEvent
from tongxin.matters.notices import NoticeKind
from tongxin.matters.services import allowed_actions
from tongxin.notices.models import Notice
from tongxin.orgs.choices import PARTY_PARENT, OrgKind
from tongxin.orgs.models import Organisation
from tongxin.people.choices import Role
from tongxin.people.models import Person, RoleAssignment
from tongxin.people.services import create_person, set_password
from tongxin.places.choices import PlaceKind as K
from tongxin.places.models import Place
from tongxin.places.services import create_place

pytestmark = pytest.mark.django_db


def login(username):
    return Person.objects.get(username=username)


def places(kind, within=None):
    query = Place.objects.filter(kind=kind)
    return query.filter(code__startswith=within.code) if within is not None else query


def held_place(username, role):
    return RoleAssignment.objects.get(person__username=username, role=role).place


def row_counts():
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


# --- Size -------------------------------------------------------------------------------


def test_the_district_has_two_streets_six_communities_and_24_compounds(demo):
    district = Place.objects.get(code=DISTRICT_CODE)
    assert district.name == "同心区" and district.kind == K.DISTRICT and district.parent is None
    assert places(K.STREET).count() == 2
    assert places(K.COMMUNITY).count() == 6
    assert places(K.COMPOUND).count() == 24
    assert demo.built and demo.counts["compound"] == 24


def test_there_are_about_three_thousand_households_with_about_one_resident_each(demo):
    households = places(K.HOUSEHOLD).count()
    assert 2700 <= households <= 3300
    residents = Person.objects.filter(household__isnull=False).count()
    assert households - 10 <= residents <= households + 10


def test_every_compound_has_one_grid_per_300_households(demo):
    for compound in places(K.COMPOUND):
        households = places(K.HOUSEHOLD, compound).count()
        assert places(K.GRID, compound).count() == math.ceil(households / GRID_HOUSEHOLDS)


def test_every_grid_has_one_grid_worker_for_at_most_300_households(demo):
    for grid in places(K.GRID):
        workers = RoleAssignment.objects.filter(role=Role.GRID_WORKER, place=grid)
        assert workers.count() == 1
        assert places(K.HOUSEHOLD, grid).count() <= GRID_HOUSEHOLDS


def test_buildings_and_flats_are_named_as_on_the_door(demo):
    building = Place.objects.get(code="99010100100100101001")
    assert building.name == "1号楼"
    assert [h.name for h in building.children.all()[:3]] == ["1单元101", "1单元102", "1单元201"]
    for building in places(K.BUILDING):
        assert 1 <= building.children.count() <= 60


# --- Organisations ------------------------------------------------------------------------


@pytest.mark.parametrize("kind,place_kind", [
    (OrgKind.PARTY_WORKING_COMMITTEE, K.STREET),
    (OrgKind.COMMUNITY_PARTY_COMMITTEE, K.COMMUNITY),
    (OrgKind.COMPOUND_PARTY_BRANCH, K.COMPOUND),
    (OrgKind.GRID_PARTY_GROUP, K.GRID),
])
def test_the_party_chain_reaches_every_street_community_compound_and_grid(demo, kind, place_kind):
    for place in places(place_kind):
        organisation = Organisation.objects.get(kind=kind, place=place)
        if kind in PARTY_PARENT:
            parent = organisation.parent
            assert parent.kind == PARTY_PARENT[kind]
            assert parent.place == place.parent


def test_the_district_has_its_office_departments_and_partner_units(demo):
    district = Place.objects.get(code=DISTRICT_CODE)
    assert Organisation.objects.filter(kind=OrgKind.GOVERNANCE_OFFICE, place=district).count() == 1
    departments = set(
        Organisation.objects.filter(kind=OrgKind.DEPARTMENT).values_list("name", flat=True)
    )
    for short in ("城管局", "住建局", "生态环境局", "公安分局", "市场监管局"):
        assert any(short in name for name in departments), short
    assert Organisation.objects.filter(kind=OrgKind.STREET_OFFICE).count() == 2
    assert 2 <= Organisation.objects.filter(kind=OrgKind.PARTNER_UNIT).count() <= 3


def test_every_compound_has_a_property_company_and_some_an_owners_committee(demo):
    for compound in places(K.COMPOUND):
        assert Organisation.objects.filter(kind=OrgKind.PROPERTY_COMPANY, place=compound).exists()
    owners = Organisation.objects.filter(kind=OrgKind.OWNERS_COMMITTEE).count()
    assert 0 < owners < 24


# --- Logins -------------------------------------------------------------------------------


def test_every_role_has_a_demo_login():
    assert {demo_login.role for demo_login in DEMO_LOGINS} == set(Role)
    usernames = [demo_login.username for demo_login in DEMO_LOGINS]
    assert len(usernames) == len(set(usernames))


@pytest.mark.parametrize("demo_login", DEMO_LOGINS, ids=lambda d: d.username)
def test_each_demo_login_signs_in_and_holds_its_role(demo, demo_login):
    person = authenticate(username=demo_login.username, password=DEMO_PASSWORD)
    assert person is not None and person.username == demo_login.username
    assert person.roles.filter(role=demo_login.role).exists()


def test_the_demo_logins_work_in_the_first_community(demo):
    community = Place.objects.get(kind=K.COMMUNITY, name="红旗社区")
    for demo_login in DEMO_LOGINS:
        place = held_place(demo_login.username, demo_login.role)
        if place.kind in (K.DISTRICT, K.STREET):
            assert community.is_within(place), demo_login.username
        else:
            assert place.is_within(community), demo_login.username


def test_the_demo_resident_and_building_head_live_in_their_building(demo):
    building = held_place("building", Role.BUILDING_HEAD)
    assert login("resident").household.parent == building
    assert login("building").household.parent == building
    assert login("resident").is_household_head
    assert Person.objects.filter(household=login("resident").household).count() == 3


def test_ordinary_residents_cannot_sign_in(demo):
    resident = Person.objects.filter(username__isnull=True, household__isnull=False).first()
    assert not resident.has_usable_password()


def test_only_the_admin_login_is_a_superuser(demo):
    assert list(Person.objects.filter(is_superuser=True).values_list("username", flat=True)) == [
        "admin"
    ]


# --- Running again --------------------------------------------------------------------------


def test_a_second_run_creates_nothing(demo):
    before = row_counts()
    summary = build_demo_district()
    assert row_counts() == before
    assert not summary.built and summary.logins_changed == 0 and summary.setup_changed == 0


def test_a_second_run_restores_a_changed_demo_password(demo):
    set_password(login("mediator"), "something-else")
    summary = build_demo_district()
    assert summary.logins_changed == 1
    assert authenticate(username="mediator", password=DEMO_PASSWORD) is not None


def test_a_second_run_recreates_a_missing_demo_login_where_it_was(demo):
    # The legal adviser has acted on no demo matter, so the login can be deleted.
    lawyer = login("lawyer")
    phone, place = lawyer.phone, held_place("lawyer", Role.LEGAL_ADVISER)
    lawyer.delete()
    build_demo_district()
    assert login("lawyer").phone == phone
    assert held_place("lawyer", Role.LEGAL_ADVISER) == place


def test_load_demo_prints_a_summary(demo):
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert "同心区" in out.getvalue() and "3000 households" in out.getvalue()
    assert "40 matters" in out.getvalue()


def test_print_demo_logins_lists_every_login_with_the_password_and_url(demo):
    out = io.StringIO()
    call_command("print_demo_logins", stdout=out)
    text = out.getvalue()
    assert DEMO_URL in text and DEMO_PASSWORD in text
    for demo_login in DEMO_LOGINS:
        assert demo_login.username in text and demo_login.title in text
    assert "幸福里小区党支部" in text


# --- Determinism --------------------------------------------------------------------------

_FINGERPRINT = (
    "import hashlib, django; django.setup();"
    "from tongxin.demo.builder import plan_district;"
    "print(hashlib.sha256(repr(plan_district()).encode()).hexdigest())"
)


def test_the_plan_is_the_same_in_another_process_with_another_hash_seed():
    here = hashlib.sha256(repr(plan_district()).encode()).hexdigest()
    env = {**os.environ, "PYTHONHASHSEED": "4242",
           "DJANGO_SETTINGS_MODULE": "tongxin.test_settings"}
    there = subprocess.run(
        [sys.executable, "-c", _FINGERPRINT], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert there == here


def test_the_built_district_matches_the_plan(demo):
    plan = plan_district()
    planned = {
        (compound.name, grid.name, building.name, flat.name): flat.head.phone
        for compound in plan.compounds() for grid in compound.grids
        for building in grid.buildings for flat in building.households if flat.head
    }
    built = {
        (p.household.parent.parent.parent.name, p.household.parent.parent.name,
         p.household.parent.name, p.household.name): p.phone
        for p in Person.objects.filter(is_household_head=True, username__isnull=True)
        .select_related("household__parent__parent__parent")
    }
    assert built == planned


# Pinned on purpose: change these only when you change the demo district on purpose.
@pytest.mark.parametrize("code,name", [
    ("990101", "同心区"),
    ("990101001", "同心街道"),
    ("990101002", "和平街道"),
    ("990101001001", "红旗社区"),
    ("990101001001001", "幸福里小区"),
    ("99010100100100101", "第1网格"),
    ("99010100100100101001", "1号楼"),
    ("990101001001001010010001", "1单元101"),
])
def test_known_places_have_their_known_codes(demo, code, name):
    assert Place.objects.get(code=code).name == name


def test_known_people_have_their_known_numbers(demo):
    assert login("resident").phone == "13800100001"
    assert login("resident").household.code == "990101001001001010010001"
    head = Person.objects.get(household__code="990101001001001010010003")
    assert (head.full_name, head.phone) == ("程鑫鑫", "13957081458")
    assert places(K.HOUSEHOLD).count() == 3000 and places(K.GRID).count() == 27


def test_id_numbers_are_valid_and_some_residents_have_one(demo):
    numbers = list(Person.objects.exclude(id_number=None).values_list("id_number", flat=True))
    assert len(numbers) > 500
    for number in numbers[:200]:
        create_kwargs = {"full_name": "核对", "id_number": number}
        with pytest.raises(ServiceError) as refused:
            create_person(**create_kwargs)  # valid, so refused only as taken
        assert refused.value.code == "id_number_taken"


# --- Bulk households behave as the services would -------------------------------------------


def test_a_flat_added_later_by_the_service_continues_the_bulk_codes(demo):
    building = Place.objects.get(code="99010100100100101001")
    count = building.children.count()
    flat = create_place(kind=K.HOUSEHOLD, name="加建101", parent=building)
    assert flat.code == building.code + str(count + 1).zfill(4)


def test_bulk_flats_and_residents_leave_the_same_events_as_the_services(demo):
    flat = Place.objects.get(code="990101001001001010010003")
    event = Event.objects.get(action="place.created", subject_id=str(flat.pk),
                              subject_type__model="place")
    assert event.place_code == flat.code
    assert event.data == {"name": flat.name, "kind": "household"}
    person = flat.members.get()
    assert Event.objects.filter(action="person.created", subject_id=str(person.pk),
                                subject_type__model="person", place_code=flat.code).exists()


def test_bulk_residents_refuse_a_phone_that_someone_has(demo):
    taken = login("police").phone
    district = create_place(kind=K.DISTRICT, name="别区", code="990102")
    street = create_place(kind=K.STREET, name="别街道", parent=district)
    community = create_place(kind=K.COMMUNITY, name="别社区", parent=street)
    compound = create_place(kind=K.COMPOUND, name="别小区", parent=community)
    grid = create_place(kind=K.GRID, name="第1网格", parent=compound)
    building = create_place(kind=K.BUILDING, name="1号楼", parent=grid)
    plan = BuildingPlan("1号楼", [HouseholdPlan("1单元101", Resident("冒名", taken))])
    with pytest.raises(ServiceError) as refused:
        write_households([{"place": building, "plan": plan}])
    assert refused.value.code == "phone_taken"
    assert not building.children.exists()


# --- What each login sees -------------------------------------------------------------------


def visible_households(username):
    return set(Place.objects.visible_to(login(username)).filter(kind=K.HOUSEHOLD))


def test_the_grid_worker_sees_only_the_households_of_their_grid(demo):
    grid = held_place("grid", Role.GRID_WORKER)
    other_grid = places(K.GRID, grid.parent).exclude(pk=grid.pk).get()  # same compound
    assert visible_households("grid") == set(places(K.HOUSEHOLD, grid))
    assert not visible_households("grid") & set(places(K.HOUSEHOLD, other_grid))
    residents = Person.objects.visible_to(login("grid")).filter(household__isnull=False)
    assert all(person.household.is_within(grid) for person in residents)
    assert residents.count() >= places(K.HOUSEHOLD, grid).count()


def test_two_grid_workers_see_nothing_of_each_other_s_grid(demo):
    assert not visible_households("grid") & visible_households("grid2")
    grid2_people = set(Person.objects.visible_to(login("grid2")).filter(household__isnull=False))
    grid_people = set(Person.objects.visible_to(login("grid")).filter(household__isnull=False))
    assert grid_people and grid2_people and not grid_people & grid2_people


def test_the_building_head_sees_only_their_building(demo):
    building = held_place("building", Role.BUILDING_HEAD)
    assert visible_households("building") == set(building.children.all())


def test_the_community_secretary_sees_its_four_compounds_and_no_other_community(demo):
    community = held_place("community", Role.COMMUNITY_SECRETARY)
    visible = Place.objects.visible_to(login("community"))
    assert set(visible.filter(kind=K.COMPOUND)) == set(places(K.COMPOUND, community))
    assert visible.filter(kind=K.COMPOUND).count() == 4
    assert set(visible.filter(kind=K.COMMUNITY)) == {community}
    assert visible_households("community") == set(places(K.HOUSEHOLD, community))


def test_the_street_officer_sees_its_three_communities(demo):
    visible = Place.objects.visible_to(login("street")).filter(kind=K.COMMUNITY)
    assert visible.count() == 3
    assert all(c.is_within(held_place("street", Role.STREET_OFFICER)) for c in visible)


def test_the_resident_sees_only_their_household_and_its_members(demo):
    resident = login("resident")
    assert visible_households("resident") == {resident.household}
    assert set(Person.objects.visible_to(resident)) == set(resident.household.members.all())


def test_the_admin_sees_everything(demo):
    assert Place.objects.visible_to(login("admin")).count() == Place.objects.count()


# --- Governance: categories, deadlines and demo matters --------------------------------------


def demo_matters():
    return Matter.objects.filter(district__code=DISTRICT_CODE)


def test_the_district_has_its_category_tree_settings_and_the_national_holidays(demo):
    district = Place.objects.get(code=DISTRICT_CODE)
    assert Category.objects.filter(district=district, parent=None, name="社区治理").exists()
    assert Category.objects.filter(district=district, name="飞线充电").exists()
    assert not DistrictSettings.objects.get(district=district).auto_escalate
    # No calendar is loaded by hand: the 2026 National Day holiday comes from the package.
    assert not CalendarDay.objects.filter(district=district).exists()
    eve = timezone.make_aware(datetime(2026, 9, 30, 9, 0))
    assert timezone.localtime(add_working_days(district, eve, 1)).date() == date(2026, 10, 8)


def test_there_are_forty_demo_matters_in_the_first_community(demo):
    community = Place.objects.get(kind=K.COMMUNITY, name="红旗社区")
    assert demo_matters().count() == len(DEMO_MATTERS) == 40
    assert all(matter.place.is_within(community) for matter in demo_matters())
    assert demo.counts["matters"] == 40


def test_the_demo_matters_are_in_every_status_and_at_every_level_but_the_top(demo):
    assert set(demo_matters().values_list("status", flat=True)) == set(Status)
    levels = set(demo_matters().values_list("owner_level", flat=True))
    assert levels == set(Level)


def test_the_demo_matters_are_numbered_in_script_order(demo):
    titles = list(demo_matters().order_by("pk").values_list("title", flat=True))
    assert titles == [spec.title for spec in DEMO_MATTERS]


def test_every_demo_matter_went_through_the_services(demo):
    raised = MatterEvent.objects.filter(action="raised", matter__in=demo_matters())
    assert raised.count() == 40
    demo_ids = [str(pk) for pk in demo_matters().values_list("pk", flat=True)]
    assert Notice.objects.filter(kind=NoticeKind.RAISED, subject_type="matters.matter",
                                 subject_id__in=demo_ids).exists()
    assert MatterEvent.objects.filter(action="department_answered").count() == 1


def test_the_demo_grid_worker_has_new_matters_one_due_within_the_hour(demo):
    grid = held_place("grid", Role.GRID_WORKER)
    mine = demo_matters().filter(owner_code=grid.code)
    assert mine.filter(status=Status.NEW).count() >= 3
    emergency = mine.get(emergency=True)
    assert emergency.status == Status.NEW
    assert timezone.now() < emergency.due_at <= timezone.now() + timedelta(hours=1)
    assert Notice.objects.filter(recipient=login("grid"), kind=NoticeKind.ASSIGNED,
                                 read_at=None).count() >= 10


def test_the_demo_logins_have_something_in_their_inbox(demo):
    for username in ("resident", "grid", "grid2", "compound", "community", "street",
                     "district", "dept"):
        assert Notice.objects.filter(recipient=login(username)).exists(), username
    kinds = set(Notice.objects.filter(recipient=login("resident")).values_list("kind", flat=True))
    assert {NoticeKind.RAISED, NoticeKind.STATUS, NoticeKind.RESOLVED} <= kinds


def test_the_demo_resident_can_rate_and_the_building_head_inspect_a_result(demo):
    resolved = demo_matters().get(reporter=login("resident"), status=Status.RESOLVED)
    assert "rate_ok" in allowed_actions(resolved, login("resident"))
    assert "inspect_pass" in allowed_actions(resolved, login("building"))


def test_soon_after_loading_the_scan_flags_the_emergency(demo, time_machine):
    time_machine.move_to(timezone.now() + timedelta(hours=2), tick=False)
    counts = scan_deadlines()
    assert counts["overdue"] == 1 and counts["escalated"] == 0
    assert Notice.objects.filter(recipient=login("grid"), kind=NoticeKind.OVERDUE).exists()
    time_machine.move_to(timezone.now() + timedelta(days=1), tick=False)
    assert scan_deadlines()["departments_late"] == 2  # the 城管局 and 住建局 did not report in
    assert Notice.objects.filter(recipient=login("dept"), kind=NoticeKind.DEPARTMENT_LATE).exists()


def test_every_department_has_someone_to_answer_a_whistle(demo):
    for department in Organisation.objects.filter(kind=OrgKind.DEPARTMENT):
        assert RoleAssignment.objects.filter(role=Role.DEPARTMENT_STAFF,
                                             organisation=department).count() == 1


def test_the_apps_seed_the_district_in_the_order_it_needs():
    # Categories before the matters filed under them; triage trains on those matters; the
    # hot issues are computed from the matters once they are there.
    assert [app for app, _seed in registry.demo_seeds()] == [
        "matters", "deadlines", "demo", "triage", "hotspots"]
    assert [app for app, _seed in registry.demo_seeds(extra=True)] == ["triage", "hotspots"]


def test_the_demo_hot_issues_are_computed_so_the_page_shows_them_at_once(demo, client):
    from tongxin.hotspots.demo_seed import seed_demo
    from tongxin.hotspots.models import HotGroup, HotIssueArea

    district = Place.objects.get(code=DISTRICT_CODE)
    summary = seed_demo(district)  # what load_demo runs once the district is committed
    assert summary["line"].startswith("Hot issues computed")
    streets = set(Place.objects.filter(kind=K.STREET, code__startswith=DISTRICT_CODE)
                  .values_list("code", flat=True))
    computed = set(HotIssueArea.objects.filter(computed_at__isnull=False)
                   .values_list("code", flat=True))
    assert streets | {DISTRICT_CODE} <= computed
    assert HotGroup.objects.filter(area__code=DISTRICT_CODE, days=365).exists()
    officer = next(d.username for d in DEMO_LOGINS if d.role == Role.DISTRICT_OFFICER)
    client.force_login(RoleAssignment.objects.filter(person__username=officer).first().person)
    html = client.get("/hotspots/?days=365").content.decode()
    assert "data-group=" in html and "data-computed-at" in html and "data-pending" not in html
