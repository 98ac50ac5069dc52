"""Seed a district's category tree, and the short list of kinds residents choose from.

The government taxonomy is the three-level tree of the 2020 TipDM Cup open data set
(data/taidi2020_categories.csv, from ../shared/data/taidi2020/categories.csv); the
neighbourhood kinds the seed documents talk about are added as one more top-level
branch, since most compound matters fall there.

The whole tree (about 500 nodes, 国防外交 and 草原草场 among them) is for staff, who
hear and file a matter. A resident raising one picks from a dozen neighbourhood kinds
(``RESIDENT_KINDS``), each a node of that branch, or leaves it to the grid worker: the
matter is then filed under the branch itself until the grid worker hears it.
"""

import csv
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.db.models import Q
from django.utils.html import format_html
from django.utils.translation import pgettext_lazy

from tongxin.matters.models import Category

TAXONOMY = Path(__file__).resolve().parent / "data" / "taidi2020_categories.csv"
NEIGHBOURHOOD = "社区治理"
NEIGHBOURHOOD_KINDS = {
    "物业管理": ["物业服务质量", "物业费", "电梯维修", "门禁与安保"],
    "停车管理": ["停车位不足", "乱停乱放", "僵尸车"],
    "垃圾分类": ["垃圾清运", "分类投放", "大件垃圾"],
    "绿化养护": ["树木修剪", "绿地侵占"],
    "老旧小区改造": ["加装电梯", "管网改造", "外墙与屋面"],
    "电动车充电": ["充电桩", "飞线充电", "楼道停放"],
    "邻里关系": ["噪音扰民", "楼道堆物", "漏水纠纷", "宠物管理"],
    "公共设施": ["路灯照明", "道路破损", "健身器材"],
    "违章搭建": [],
    "安全隐患": ["消防通道", "高空抛物"],
}


def tree_rows():
    """Yield (top, second, third) names: the neighbourhood kinds first, then the taxonomy."""
    for second, thirds in NEIGHBOURHOOD_KINDS.items():
        yield NEIGHBOURHOOD, second, None
        for third in thirds:
            yield NEIGHBOURHOOD, second, third
    with TAXONOMY.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            yield row["一级分类"].strip(), row["二级分类"].strip(), (row["三级分类"] or "").strip() or None


@transaction.atomic
def seed_categories(district):
    """Create the tree for ``district``; existing nodes are kept, so running it twice adds nothing."""
    existing = {
        (c.parent_id, c.name): c for c in Category.objects.filter(district=district)
    }
    created = 0

    def node(name, parent, depth, position):
        nonlocal created
        key = (parent.pk if parent else None, name)
        if key not in existing:
            existing[key] = Category.objects.create(
                district=district, parent=parent, name=name, depth=depth, position=position
            )
            created += 1
        return existing[key]

    for position, (top, second, third) in enumerate(tree_rows()):
        first = node(top, None, 0, position)
        middle = node(second, first, 1, position)
        if third:
            node(third, middle, 2, position)
    return created


# --- the residents' short list -------------------------------------------------------------------

# (what the resident reads, the node's path below NEIGHBOURHOOD). Names are district data
# in Chinese, like the category names they stand for; the more specific entries come
# before the node they sit under, which catches the rest of it.
RESIDENT_KINDS = (
    ("物业服务", ("物业管理",)),
    ("电梯", ("物业管理", "电梯维修")),
    ("停车", ("停车管理",)),
    ("电动车充电", ("电动车充电",)),
    ("垃圾与环境卫生", ("垃圾分类",)),
    ("绿化", ("绿化养护",)),
    ("设施维修（路灯、道路、健身器材）", ("公共设施",)),
    ("噪音", ("邻里关系", "噪音扰民")),
    ("楼道堆物", ("邻里关系", "楼道堆物")),
    ("漏水", ("邻里关系", "漏水纠纷")),
    ("邻里纠纷", ("邻里关系",)),
    ("违章搭建", ("违章搭建",)),
    ("安全隐患", ("安全隐患",)),
    ("老旧小区改造", ("老旧小区改造",)),
)


def leave_it_label():
    """The last entry of the residents' list: the grid worker chooses the category."""
    return pgettext_lazy("resident category",
                         "Something else, or not sure: leave it to the grid worker")


@dataclass(frozen=True)
class ResidentKind:
    label: str
    category: Category
    leave_it: bool = False  # filed under the branch; the grid worker files it properly


def resident_kinds(district):
    """Return the kinds a resident of ``district`` chooses from, the "leave it to the grid
    worker" entry last; [] if the district's tree has no neighbourhood branch. One query."""
    under = Q(parent__isnull=True, name=NEIGHBOURHOOD)
    under |= Q(parent__parent__isnull=True, parent__name=NEIGHBOURHOOD)
    under |= Q(parent__parent__parent__isnull=True, parent__parent__name=NEIGHBOURHOOD)
    nodes = list(Category.objects.filter(under, district=district, is_active=True, depth__lte=2)
                 .select_related("parent"))
    root = next((n for n in nodes if n.parent_id is None), None)
    if root is None:
        return []
    by_path = {}
    for node in nodes:
        if node.parent_id == root.pk:
            by_path[(node.name,)] = node
        elif node.parent_id is not None and node.parent.parent_id == root.pk:
            by_path[(node.parent.name, node.name)] = node
    kinds = [ResidentKind(label, by_path[path]) for label, path in RESIDENT_KINDS
             if path in by_path]
    return [*kinds, ResidentKind(str(leave_it_label()), root, leave_it=True)]


def resident_kind_for(category, kinds):
    """Return the entry of ``kinds`` that ``category`` falls under (itself or the nearest
    node above it on the list), or None: a category outside the neighbourhood branch, or
    only under the branch itself, names no kind a resident would recognise."""
    listed = {kind.category.pk: kind for kind in kinds if not kind.leave_it}
    node = category
    while node is not None:
        if node.pk in listed:
            return listed[node.pk]
        node = node.parent if node.parent_id else None
    return None


# --- the staff's category select, built once per version of the tree ---------------------------

_OPTIONS = {}  # (the rows it shows, empty label) -> the <option> elements, escaped
_OPTIONS_KEPT = 64  # trees (or versions of one) kept per process


def category_label(depth, name):
    """What a node reads as in the staff's select: its name, indented by its depth."""
    return "\u3000" * depth + name


def category_options(categories, empty_label=None):
    """Return the ``<option>`` elements of ``categories`` (a queryset, in its order), each
    labelled by ``category_label``, after an empty one if ``empty_label``: one query for
    the rows, and the HTML built once per version of them, so that a changed, added or
    deactivated category shows at once in every process, and an unchanged tree costs
    no templates (a district has about 700 nodes)."""
    rows = tuple(categories.values_list("pk", "depth", "name"))
    key = (hash(rows), len(rows), str(empty_label) if empty_label is not None else None)
    html = _OPTIONS.get(key)
    if html is None:
        parts = [] if empty_label is None else [
            format_html('<option value="">{}</option>', empty_label)]
        parts += [format_html('<option value="{}">{}</option>', pk, category_label(depth, name))
                  for pk, depth, name in rows]
        html = "".join(parts)
        if len(_OPTIONS) >= _OPTIONS_KEPT:
            _OPTIONS.clear()
        _OPTIONS[key] = html
    return html
