"""The staff list names where a matter is with its community and compound
("红星社区 · 幸福小区 · 1号楼"), not the bare "1号楼" every compound has, at a fixed cost."""

import re

import pytest
from django.urls import reverse

from tongxin.people.choices import Role

pytestmark = pytest.mark.django_db


def place_cell(html, pk):
    row = re.search(rf'<tr data-matter="{pk}">.*?</tr>', html, re.S).group(0)
    return re.sub(r"\s+", " ", re.search(r"<td data-place>(.*?)</td>", row, re.S).group(1)).strip()


@pytest.mark.parametrize("role", [Role.STREET_OFFICER, Role.DISTRICT_OFFICER])
def test_the_list_names_the_community_and_compound_of_each_place(client, world, new_matter,
                                                                 role):
    street = world.by_role[Role.STREET_OFFICER]
    in_b1 = new_matter()
    in_b3 = new_matter(title="三号楼门禁坏了", by=world.same_community)
    whole = new_matter(title="小区围墙开裂", by=street, place=world.compound_a1b,
                       contact_name="热心居民")
    client.force_login(world.by_role[role])
    html = client.get(reverse("matters:list")).content.decode()
    assert place_cell(html, in_b1.pk) == "红星社区 · 幸福小区 · 1号楼"
    assert place_cell(html, in_b3.pk) == "红星社区 · 安居小区 · 3号楼"
    assert place_cell(html, whole.pk) == "红星社区 · 安居小区"
    owner = re.search(rf'<tr data-matter="{in_b1.pk}">.*?<small class="muted" data-owner>(.*?)'
                      r"</small>", html, re.S).group(1)
    assert owner == "红星社区 · 幸福小区 · 第1网格"


def test_the_places_cost_one_query_whatever_the_rows(client, world, new_matter,
                                                     django_assert_max_num_queries):
    client.force_login(world.by_role[Role.STREET_OFFICER])
    people = [world.resident, world.same_compound, world.same_community, world.same_street]
    for n, person in enumerate(people):
        new_matter(title=f"事项{n}", by=person)
    with django_assert_max_num_queries(11):
        few = client.get(reverse("matters:list"))
    for n in range(12):
        new_matter(title=f"更多事项{n}", by=people[n % 4])
    with django_assert_max_num_queries(11):
        many = client.get(reverse("matters:list"))
    assert len(few.context["page"].object_list) == 4
    assert len(many.context["page"].object_list) == 16
    assert "光明社区 · 光明小区 · 4号楼" in many.content.decode()
