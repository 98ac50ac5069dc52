"""The staff's category select (triage, recategorise, record): every active node of the
district, indented by depth, the matter's own chosen; built once per version of the tree
instead of one template per option, and rebuilt as soon as a category changes."""

import re

import pytest
from django.test.signals import template_rendered
from django.urls import reverse

from tongxin.matters import services
from tongxin.matters.categories import category_label, category_options
from tongxin.matters.models import Category
from tongxin.people.choices import Role

pytestmark = pytest.mark.django_db

OPTION = re.compile(r'<option value="(\d*)"( selected)?>([^<]*)</option>')


def select_of(html, select_id):
    """Return [(value, selected, label)] of the options of the select ``select_id``."""
    block = re.search(rf'<select[^>]* id="{select_id}"[^>]*>(.*?)</select>', html, re.S)
    assert block, select_id
    return [(value, bool(selected), label) for value, selected, label in
            OPTION.findall(block.group(1))]


def expected(district, chosen):
    nodes = Category.objects.filter(district=district, is_active=True).order_by(
        "position", "depth", "name")
    return [("", chosen is None, "---------")] + [
        (str(c.pk), c.pk == chosen, category_label(c.depth, c.name)) for c in nodes]


def test_the_triage_select_offers_the_whole_tree_with_the_matters_category_chosen(
        client, world, new_matter, parking):
    matter = new_matter()
    client.force_login(world.by_role[Role.GRID_WORKER])

    html = client.get(reverse("matters:detail", args=[matter.pk])).content.decode()

    offered = select_of(html, "id_triage_category")
    assert offered == expected(world.district, parking.pk)
    assert len(offered) > 500 and [o for o in offered if o[1]] == [
        (str(parking.pk), True, "\u3000\u3000乱停乱放")]
    assert 'name="category"' in html and "required" in re.search(
        r'<select[^>]* id="id_triage_category"[^>]*>', html).group(0)


def test_a_matter_page_renders_no_template_per_category(client, world, new_matter):
    matter = new_matter()
    services.triage(matter, by=world.by_role[Role.GRID_WORKER], kind="pending")
    client.force_login(world.by_role[Role.GRID_WORKER])
    url = reverse("matters:detail", args=[matter.pk])
    rendered = []

    def count(sender, template, context, **kwargs):
        rendered.append(template.name)

    template_rendered.connect(count)
    try:
        html = client.get(url).content.decode()
    finally:
        template_rendered.disconnect(count)

    assert len(select_of(html, "id_recategorise_category")) > 500
    # Before: one template per option, ~700 per category select (~1,400 here); the few
    # left are the other, short selects (escalate's levels, rejection reasons …).
    assert rendered.count("django/forms/widgets/select_option.html") < 30
    assert len(rendered) < 200


def test_the_select_is_built_once_and_again_when_a_category_changes(
        client, world, new_matter, parking):
    tree = Category.objects.filter(district=world.district, is_active=True).order_by(
        "position", "depth", "name")
    first = category_options(tree, "---------")
    assert category_options(tree, "---------") is first  # unchanged tree: the same HTML

    Category.objects.filter(pk=parking.pk).update(name="乱停车")
    renamed = category_options(tree, "---------")
    assert renamed is not first and "乱停车" in renamed and "乱停乱放" not in renamed

    street = Category.objects.get(district=world.district, name="停车管理")
    Category.objects.create(district=world.district, parent=street, name="共享单车", depth=2,
                            position=street.position)
    Category.objects.filter(name="僵尸车", district=world.district).update(is_active=False)
    matter = new_matter()
    client.force_login(world.by_role[Role.GRID_WORKER])
    html = client.get(reverse("matters:detail", args=[matter.pk])).content.decode()
    labels = [label for _v, _s, label in select_of(html, "id_triage_category")]
    assert "\u3000\u3000共享单车" in labels and "\u3000\u3000乱停车" in labels
    assert "\u3000\u3000僵尸车" not in labels


def test_the_record_page_offers_the_tree_through_the_same_select(client, world):
    client.force_login(world.by_role[Role.GRID_WORKER])

    html = client.get(reverse("matters:record")).content.decode()

    offered = select_of(html, "id_category")
    assert offered == expected(world.district, None)
