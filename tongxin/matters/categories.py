"""Seed a district's category tree.

The government taxonomy is the three-level tree of the 2020 TipDM Cup open data set
(data/taidi2020_categories.csv, from ../shared/data/taidi2020/categories.csv); the
neighbourhood kinds the seed documents talk about are added as one more top-level
branch, since most compound matters fall there.
"""

import csv
from pathlib import Path

from django.db import transaction

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
