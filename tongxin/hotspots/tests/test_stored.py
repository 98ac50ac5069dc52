"""The stored hot issues: computed in the background, read by the page and the export,
changed at once by confirm and split, scoped per person, erased with a person."""

import io

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from openpyxl import load_workbook

from tongxin.hotspots import computing, grouping
from tongxin.hotspots.models import HotGroup, HotGroupMember, HotIssueArea
from tongxin.hotspots.tasks import refresh_hot_issues_task
from tongxin.matters.choices import Status
from tongxin.people.choices import Role
from tongxin.people.services import assign_role, create_person

pytestmark = pytest.mark.django_db

DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def complaints(world, new_matter):
    """Two about 幸福小区's east gate (street A, grid g1), one in 安居小区 (street A,
    another compound), one in 和平小区 (street B)."""
    return {
        "p1": new_matter(by=world.resident, title="幸福小区东门电动车乱停放",
                         description="东门口每天晚上堆满电动车，消防通道被堵住了。"),
        "p2": new_matter(by=world.neighbour, title="东门消防通道被电动车堵死",
                         description="幸福小区东门那里电动车乱停，消防车根本进不来，请尽快整治。"),
        "anju": new_matter(by=world.same_community, title="安居小区路灯坏了",
                           description="安居小区南门的路灯坏了一个星期。"),
        "far": new_matter(by=world.other_street, title="和平小区电动车乱停放",
                          description="和平小区南门电动车乱停，消防通道被占用。"),
    }


@pytest.fixture
def no_grouping(monkeypatch):
    """Make any grouping fail loudly: what runs with it on groups nothing."""

    def refuse(*args, **kwargs):
        raise AssertionError("grouped inside the request")

    monkeypatch.setattr(grouping, "group_items", refuse)
    monkeypatch.setattr(grouping, "describe", refuse)


def page(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("hotspots:index"), params)
    assert response.status_code == 200
    return response


def shown(response):
    return {m.pk for g in response.context["groups"] for m in g.matters}


def officer_of_street_b(world):
    holder = create_person(full_name="和平街道干部", username="street_b_officer",
                           password="a-long-test-password")
    assign_role(holder, role=Role.STREET_OFFICER, place=world.street_b)
    return holder


# --- the page reads the table ------------------------------------------------------------------


def test_the_page_and_the_export_group_nothing_in_the_request(client, world, complaints,
                                                              monkeypatch):
    computing.refresh_dirty()  # the background task
    monkeypatch.setattr(grouping, "group_items", lambda *a, **k: pytest.fail("grouped"))
    monkeypatch.setattr(grouping, "describe", lambda *a, **k: pytest.fail("described"))
    officer = world.by_role[Role.DISTRICT_OFFICER]
    response = page(client, officer)
    c = complaints
    assert {c["p1"].pk, c["p2"].pk, c["far"].pk} <= shown(response)
    assert b"data-computed-at" in response.content and b"data-pending" not in response.content
    export = client.get(reverse("hotspots:export"))
    sheet = load_workbook(io.BytesIO(export.content)).active
    numbers = {row[11].value for row in sheet.iter_rows(min_row=2)}
    assert any(c["p1"].number in n and c["p2"].number in n for n in numbers)


def test_every_period_is_stored_and_read(client, world, complaints):
    computing.refresh_dirty()
    stored = set(HotGroup.objects.values_list("days", flat=True))
    assert stored == set(computing.PERIOD_DAYS)
    for days in computing.PERIOD_DAYS:
        assert complaints["p1"].pk in shown(page(client, world.by_role[Role.STREET_OFFICER],
                                                 days=days))


def test_nothing_computed_yet_says_so_and_queues_a_computation(client, world, complaints):
    HotIssueArea.objects.all().delete()  # as on a site that never computed any
    with override_settings(TASKS=DUMMY_TASKS):
        backend = refresh_hot_issues_task.get_backend()
        backend.clear()
        response = page(client, world.by_role[Role.STREET_OFFICER])
        queued = [r for r in backend.results if r.task.func is refresh_hot_issues_task.func]
    assert b"data-pending" in response.content and b"data-empty" not in response.content
    assert response.context["groups"] == []
    assert len(queued) == 1 and queued[0].task.run_after is not None
    assert HotIssueArea.objects.get(code=world.street_a.code).computed_at is None


def test_without_a_worker_a_request_queues_nothing_to_run_inline(client, world, complaints,
                                                                  no_grouping):
    HotIssueArea.objects.all().delete()
    response = page(client, world.by_role[Role.STREET_OFFICER])  # the immediate backend
    assert b"data-pending" in response.content


def test_a_new_matter_appears_after_the_task_runs(client, world, complaints, new_matter):
    computing.refresh_dirty()
    officer = world.by_role[Role.STREET_OFFICER]
    before = computing.HotIssueArea.objects.get(code=world.street_a.code).computed_at
    late = new_matter(by=world.same_street, title="光明小区垃圾桶满了没人清",
                      description="光明小区北门的垃圾桶三天没清运。")
    assert late.pk not in shown(page(client, officer))
    assert HotIssueArea.objects.get(code=world.street_a.code).dirty_at is not None
    assert HotIssueArea.objects.get(code=world.street_b.code).dirty_at is None  # not touched
    result = refresh_hot_issues_task.enqueue()
    assert result.return_value["areas"] == 2  # street A and the district, not street B
    assert late.pk in shown(page(client, officer))
    state = HotIssueArea.objects.get(code=world.street_a.code)
    assert state.dirty_at is None and state.computed_at > before


def test_changes_are_debounced_into_one_queued_refresh(world, complaints, new_matter):
    computing.refresh_dirty()
    with override_settings(TASKS=DUMMY_TASKS):
        backend = refresh_hot_issues_task.get_backend()
        backend.clear()
        for n in range(3):
            new_matter(title=f"{n}号楼电梯坏了", description="电梯停了好几天。")
        queued = [r for r in backend.results if r.task.func is refresh_hot_issues_task.func]
    assert len(queued) == 1
    assert queued[0].task.run_after is not None
    assert set(HotIssueArea.objects.filter(dirty_at__isnull=False)
               .values_list("code", flat=True)) == {world.street_a.code, world.district.code}


def test_the_periodic_command_refreshes_what_changed(world, complaints):
    out = io.StringIO()
    call_command("refresh_hot_issues", stdout=out)
    assert "areas 3," in out.getvalue()  # street A, street B, the district
    out = io.StringIO()
    call_command("refresh_hot_issues", stdout=out)
    assert "areas 0," in out.getvalue()  # nothing changed since


# --- confirm and split show at once --------------------------------------------------------------


def test_confirming_shows_on_the_next_page_without_computing(client, world, complaints,
                                                             monkeypatch):
    computing.refresh_dirty()
    p1, p2 = complaints["p1"], complaints["p2"]
    officer = world.by_role[Role.DISTRICT_OFFICER]
    group = next(g for g in page(client, officer).context["groups"] if p1 in g.matters)
    assert p2 in group.matters
    monkeypatch.setattr(grouping, "group_items", lambda *a, **k: pytest.fail("grouped"))
    response = client.post(reverse("hotspots:confirm"), {"into": p1.pk, "members": [p2.pk]})
    assert response.status_code == 302
    p2.refresh_from_db()
    assert p2.status == Status.MERGED
    groups = page(client, officer).context["groups"]
    assert p2.pk not in {m.pk for g in groups for m in g.matters}
    alone = next(g for g in groups if p1 in g.matters)
    assert [m.pk for m in alone.matters] == [p1.pk]
    assert alone.group.supporters == 1  # p2's reporter now supports p1


def test_splitting_shows_on_the_next_page_without_computing(client, world, complaints,
                                                            monkeypatch):
    computing.refresh_dirty()
    p1, p2 = complaints["p1"], complaints["p2"]
    secretary = world.by_role[Role.COMPOUND_SECRETARY]
    monkeypatch.setattr(grouping, "group_items", lambda *a, **k: pytest.fail("grouped"))
    client.force_login(secretary)
    response = client.post(reverse("hotspots:split"),
                           {"members": [p1.pk, p2.pk], "remove": [p2.pk]})
    assert response.status_code == 302
    groups = page(client, secretary).context["groups"]
    assert sorted(len(g.matters) for g in groups if {p1, p2} & set(g.matters)) == [1, 1]
    # every period's stored groups, not only the one on the page
    assert not HotGroup.objects.filter(members__matter=p1).filter(members__matter=p2).exists()


# --- who sees which groups ------------------------------------------------------------------------


def test_each_role_sees_only_the_groups_of_matters_it_may_see(client, world, complaints):
    computing.refresh_dirty()
    c = {name: m.pk for name, m in complaints.items()}
    assert shown(page(client, world.by_role[Role.STREET_OFFICER])) == {
        c["p1"], c["p2"], c["anju"]}
    assert shown(page(client, officer_of_street_b(world))) == {c["far"]}
    assert shown(page(client, world.by_role[Role.DISTRICT_OFFICER])) == set(c.values())
    assert shown(page(client, world.by_role[Role.SYSTEM_ADMIN])) == set(c.values())
    # A community secretary and a compound secretary see part of street A.
    assert shown(page(client, world.by_role[Role.COMMUNITY_SECRETARY])) == {
        c["p1"], c["p2"], c["anju"]}
    assert shown(page(client, world.by_role[Role.COMPOUND_SECRETARY])) == {c["p1"], c["p2"]}
    assert shown(page(client, world.by_role[Role.GRID_WORKER])) == {c["p1"], c["p2"]}


def test_part_of_a_group_shows_only_what_the_person_sees(client, world, new_matter):
    """A group across two grids: a grid worker sees their member, with its own heat."""
    p1 = new_matter(by=world.resident, title="幸福小区东门电动车乱停放",
                    description="东门口每天晚上堆满电动车，消防通道被堵住了。")
    p3 = new_matter(by=world.same_compound, title="电动车堵住幸福小区东门消防通道",
                    description="我们小区东门口电瓶车停得到处都是，把消防通道堵了。")
    computing.refresh_dirty()
    both = HotGroup.objects.filter(days=90, members__matter=p1,
                                   area__code=world.street_a.code).get()
    assert set(both.members.values_list("matter_id", flat=True)) == {p1.pk, p3.pk}
    officer = page(client, world.by_role[Role.STREET_OFFICER]).context["groups"]
    grid = page(client, world.by_role[Role.GRID_WORKER]).context["groups"]  # grid g1: p1
    assert [m.pk for g in grid for m in g.matters] == [p1.pk]
    assert grid[0].group.count == 1 and grid[0].group.terms == []
    assert grid[0].group.heat < officer[0].group.heat


def test_a_resident_and_other_roles_still_cannot_open_the_page(client, world, complaints):
    computing.refresh_dirty()
    for role in (Role.RESIDENT, Role.MEDIATOR, Role.BUILDING_HEAD, Role.DEPARTMENT_STAFF):
        client.force_login(world.by_role[role])
        assert client.get(reverse("hotspots:index")).status_code == 403, role


# --- personal data ------------------------------------------------------------------------------


def test_erasing_a_person_drops_their_stored_groups_and_computes_again(world, complaints):
    from tongxin.privacy import services as privacy

    computing.refresh_dirty()
    p1 = complaints["p1"]
    assert HotGroupMember.objects.filter(matter=p1).exists()
    privacy.anonymise(world.resident, by=world.resident)
    assert not HotGroupMember.objects.filter(matter=p1).exists()
    assert HotIssueArea.objects.get(code=world.street_a.code).dirty_at is not None
    computing.refresh_dirty()
    assert HotGroupMember.objects.filter(matter=p1).exists()  # computed from the erased text
    exported = privacy.personal_data(world.neighbour)  # the export still works
    assert "hot_issues" not in exported or exported["hot_issues"] == []


def test_a_large_group_lists_its_first_members_and_counts_the_rest(client, world, complaints,
                                                                   monkeypatch):
    computing.refresh_dirty()
    monkeypatch.setattr(computing, "MEMBERS_SHOWN", 1)
    response = page(client, world.by_role[Role.STREET_OFFICER])
    group = next(g for g in response.context["groups"] if complaints["p1"] in g.matters)
    assert [m.pk for m in group.matters] == [complaints["p1"].pk]
    assert group.group.count == 2 and group.group.reporters == 2 and group.more == 1
    assert b"data-more" in response.content
    sheet = load_workbook(io.BytesIO(client.get(reverse("hotspots:export")).content)).active
    row = next(r for r in sheet.iter_rows(min_row=2) if r[4].value == 2)
    assert row[11].value == f"{complaints['p1'].number} … +1"
