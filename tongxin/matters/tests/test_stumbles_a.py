"""Stumbles a community worker or resident met in the loop (issue 16, items 13–17): the
wording of the inspection form, the deliberation-day date, the demo's printed address,
the walk-in place picker, the residents' short list of kinds and the 办理方式 label."""

import re
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from django.utils.translation import pgettext

from tongxin.matters import services
from tongxin.matters.choices import Kind
from tongxin.matters.presenters import LABELS
from tongxin.matters.transitions import TRANSITIONS
from tongxin.people.choices import Role

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[3]


def resolved(matter, world):
    grid_worker = world.by_role[Role.GRID_WORKER]
    services.triage(matter, by=grid_worker, kind="immediate")
    return services.resolve(matter, by=grid_worker, what_was_done="清理了东门口的电动车，划了停车线。",
                            basis="《物业管理条例》", standard="消防通道畅通")


def chinese(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    return client


# --- 13: the inspection form, the deliberation day, the demo's port -------------------------


def test_the_inspect_action_and_the_inspected_event_are_two_msgids():
    """One msgid was translated "验收通过" both as the action and as the past event."""
    with translation.override("zh-hans"):
        action = str(TRANSITIONS["inspect_pass"].label)
        event = str(LABELS["inspected"])
        assert action == pgettext("matter action", "Inspect and accept")
    assert action != event


def test_the_inspection_form_is_headed_with_the_action_not_the_past_event(
        client, world, new_matter):
    resolved(new_matter(), world)
    chinese(client).force_login(world.by_role[Role.BUILDING_HEAD])

    html = client.get(reverse("matters:board", args=[world.compound_a1a.code])).content.decode()

    form = re.search(r'<form method="post" action="/matters/\d+/inspect/".*?</form>', html, re.S)
    heading = re.search(r"<h3>(.*?)</h3>", form.group(0)).group(1)
    with translation.override("zh-hans"):
        assert heading == pgettext("matter action", "Inspect and accept")
        assert heading != str(LABELS["inspected"])  # "验收通过" is what happened, not the ask


def test_the_deliberation_day_field_holds_an_iso_date_a_date_input_can_show(
        client, world, new_matter):
    from tongxin.deadlines.policy import next_deliberation_day

    matter = new_matter()
    services.triage(matter, by=world.by_role[Role.GRID_WORKER], kind=Kind.PENDING)
    chinese(client).force_login(world.by_role[Role.GRID_WORKER])

    html = client.get(reverse("matters:detail", args=[matter.pk])).content.decode()

    field = re.search(r'<input type="date" name="date"[^>]*>', html).group(0)
    expected = next_deliberation_day(world.district).isoformat()  # 2026-12-10, not 2026/12/10
    assert f'value="{expected}"' in field


def test_an_iso_date_from_the_date_input_parks_on_that_day(client, world, new_matter):
    from tongxin.deadlines.policy import next_deliberation_day

    matter = new_matter()
    services.triage(matter, by=world.by_role[Role.GRID_WORKER], kind=Kind.PENDING)
    chinese(client).force_login(world.by_role[Role.GRID_WORKER])
    day = next_deliberation_day(world.district)

    response = client.post(reverse("matters:act", args=[matter.pk, "park"]),
                           {"date": day.isoformat()})

    assert response.status_code == 302
    matter.refresh_from_db()
    assert matter.deliberation_on == day


def test_the_audit_filter_day_is_an_iso_date_input():
    from datetime import date

    from tongxin.portal.forms import AuditFilter

    with translation.override("zh-hans"):
        html = str(AuditFilter(initial={"day": date(2026, 12, 10)})["day"])
    assert 'type="date"' in html and 'value="2026-12-10"' in html


def test_print_demo_logins_prints_the_address_the_demo_is_served_on(db):
    out = StringIO()
    call_command("print_demo_logins", "--bind", "127.0.0.1:8100", stdout=out)
    assert "http://127.0.0.1:8100/" in out.getvalue()
    assert ":8000" not in out.getvalue()


def test_make_demo_passes_its_port_to_the_printed_logins():
    dry = subprocess.run(["make", "-n", "demo", "PORT=8100"], cwd=REPO, capture_output=True,
                         text=True, check=True).stdout
    printing = next(line for line in dry.splitlines() if "print_demo_logins" in line)
    assert "127.0.0.1:8100" in printing


# --- 17: 办理方式 (即办/待办/上报) is not 类别 ------------------------------------------------


def test_the_list_filter_labels_each_field_once(client, world):
    chinese(client).force_login(world.by_role[Role.STREET_OFFICER])

    html = client.get(reverse("matters:list")).content.decode()

    filters = re.search(r'<div class="filter-fields">(.*?)</div>\s*<p>', html, re.S).group(1)
    labels = [label.rstrip(":：") for label in re.findall(r"<label[^>]*>(.*?)</label>", filters)]
    assert len(labels) == len(set(labels)), labels
    with translation.override("zh-hans"):
        assert pgettext("matter kind", "Handling") in labels


def test_the_hear_form_names_the_handling_choice_apart_from_the_category(world, new_matter):
    from tongxin.matters.forms_staff import TriageForm

    form = TriageForm(matter=new_matter(), user=world.by_role[Role.GRID_WORKER])
    with translation.override("zh-hans"):
        kind, category = str(form["kind"].label), str(form["category"].label)
        assert kind == pgettext("matter kind", "Handling")
    assert kind != category


# --- 16: residents choose among a few neighbourhood kinds, or leave it to the grid worker ---


def raise_options(client, world):
    client.force_login(world.resident)
    form = client.get(reverse("matters:raise")).context["form"]
    return [(value, str(label)) for value, label in form.fields["category"].choices if value != ""]


def test_a_resident_chooses_among_a_short_list_of_neighbourhood_kinds(client, world, categories):
    options = raise_options(client, world)

    assert 10 <= len(options) <= 16
    assert all(isinstance(label, str) for _value, label in options)  # no groups of 500
    labels = [label for _value, label in options]
    for government in ("贪污贿赂", "国防外交", "草原草场"):
        assert not any(government in label for label in labels)
    assert len(set(labels)) == len(labels)  # no "其他 › 其他" twice, no 安全生产 twice
    with translation.override("zh-hans"):
        from tongxin.matters.categories import leave_it_label
        assert labels[-1] == str(leave_it_label())


def test_leaving_the_kind_to_the_grid_worker_files_it_under_the_neighbourhood_root(
        client, world, categories):
    options = raise_options(client, world)
    leave_it = int(options[-1][0])

    response = client.post(reverse("matters:raise"), {
        "title": "楼下有怪味", "description": "这几天楼下总有一股怪味，不知道该找谁。",
        "category": leave_it, "place": "building",
        "idempotency_key": "1f8fad5bd9cb469fa16570867728950e"})

    assert response.status_code == 302
    from tongxin.matters.models import Matter
    matter = Matter.objects.get(title="楼下有怪味")
    assert matter.category == categories["社区治理"]


def test_the_residents_kinds_all_come_from_the_district_tree(world, categories):
    from tongxin.matters.categories import resident_kinds

    kinds = resident_kinds(world.district)

    assert {kind.category.district_id for kind in kinds} == {world.district.pk}
    assert kinds[-1].category == categories["社区治理"]
    assert categories["停车管理"] in [kind.category for kind in kinds]


def test_the_resident_suggestion_chip_names_an_entry_of_the_residents_list(
        client, world, categories, monkeypatch):
    from tongxin.triage import runtime
    from tongxin.triage.runtime import Suggested

    root = categories["社区治理"]
    noise = categories["噪音扰民"]
    parked = categories["乱停乱放"]  # a leaf under 停车管理, which the list offers
    government = categories["贪污贿赂"]
    monkeypatch.setattr(runtime, "suggest", lambda *a, **k: [
        Suggested(root, root, 0.5), Suggested(noise, root, 0.3), Suggested(parked, root, 0.1),
        Suggested(government, government.parent.parent or government.parent, 0.05)])
    options = dict(raise_options(client, world))

    html = client.get(reverse("triage:raise_hint"), {
        "title": "楼上半夜很吵", "description": "楼上每天半夜拖椅子，吵得睡不着。"}).content.decode()

    chips = re.findall(r'data-suggest-category="(\d+)"[^>]*>([^<]*)</button>', html)
    assert chips, html
    for value, label in chips:
        assert options[int(value)] == label.strip()
    assert [int(value) for value, _label in chips] == [noise.pk, categories["停车管理"].pk]
    assert "社区治理" not in html


# --- 15: a place picker for walk-in registration (代为登记) -----------------------------------


def picked(response):
    return re.findall(r'name="pick_place" value="(\d+)"', response.content.decode())


def test_the_place_picker_finds_places_by_name_within_ones_scope(client, world):
    client.force_login(world.by_role[Role.COMMUNITY_SECRETARY])  # community A1

    found = client.get(reverse("matters:record_places"), {"place_q": "幸福"},
                       HTTP_HX_REQUEST="true")

    assert found.status_code == 200
    # The compound by its name, and its buildings by their compound's name.
    assert set(picked(found)) == {world.compound_a1a.code, world.b1.code, world.b2.code}
    html = found.content.decode()
    assert "幸福小区 1号楼" in html  # a building is named with its compound
    outside = client.get(reverse("matters:record_places"), {"place_q": "光明"},
                         HTTP_HX_REQUEST="true")
    assert picked(outside) == []  # 光明小区 is in another community


def test_the_place_picker_offers_a_grid_worker_only_their_grids_buildings(client, world):
    client.force_login(world.by_role[Role.GRID_WORKER])  # grid g1: building b1

    found = client.get(reverse("matters:record_places"), {"place_q": "号楼"},
                       HTTP_HX_REQUEST="true")

    assert picked(found) == [world.b1.code]


def test_picking_a_place_fills_in_its_code(client, world):
    client.force_login(world.by_role[Role.COMMUNITY_SECRETARY])

    response = client.get(reverse("matters:record_places"), {"pick": world.b2.code},
                          HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert re.search(rf'<input type="text" name="place" value="{world.b2.code}"', html)
    assert "幸福小区 2号楼" in html


def test_a_place_outside_ones_scope_cannot_be_picked(client, world):
    client.force_login(world.by_role[Role.GRID_WORKER])

    response = client.get(reverse("matters:record_places"), {"pick": world.b2.code},
                          HTTP_HX_REQUEST="true")

    assert f'value="{world.b2.code}"' not in response.content.decode()


def test_the_record_page_offers_the_picker_and_still_takes_a_typed_code(client, world, parking):
    client.force_login(world.by_role[Role.COMMUNITY_SECRETARY])
    page = client.get(reverse("matters:record")).content.decode()
    assert 'name="place_q"' in page and reverse("matters:record_places") in page

    response = client.post(reverse("matters:record"), {
        "contact_name": "路人", "channel": "hall", "level": "grid", "place": world.b2.code,
        "title": "井盖松动", "description": "路口井盖松动。", "category": parking.pk})

    assert response.status_code == 302


def test_without_javascript_the_picker_works_by_posting_back(client, world, parking):
    client.force_login(world.by_role[Role.COMMUNITY_SECRETARY])
    typed = {"contact_name": "路人", "channel": "hall", "level": "grid",
             "title": "井盖松动", "description": "路口井盖松动。", "category": parking.pk}

    found = client.post(reverse("matters:record"), {**typed, "place_q": "安居",
                                                    "find_place": "1"})
    chosen = client.post(reverse("matters:record"), {**typed, "pick_place": world.b3.code})

    assert found.status_code == 200 and picked(found) == [world.compound_a1b.code, world.b3.code]
    assert 'value="井盖松动"' in found.content.decode()  # what was typed is kept
    assert re.search(rf'name="place" value="{world.b3.code}"', chosen.content.decode())
    from tongxin.matters.models import Matter
    assert not Matter.objects.filter(title="井盖松动").exists()  # nothing saved yet
