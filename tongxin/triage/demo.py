"""Smart triage in the demo district: a few routing rules and a trained suggester.

Called at the end of ``tongxin load_demo``; running it again changes nothing (rules are
added only to an empty table, a model is trained only when none is in use).
"""

import time

from tongxin.matters.models import Category
from tongxin.orgs.choices import OrgKind
from tongxin.orgs.models import Organisation
from tongxin.people.choices import Role
from tongxin.people.models import Person
from tongxin.places.models import Place
from tongxin.triage import services
from tongxin.triage.models import RoutingRule, TriageModel
from tongxin.triage.training import train

# (category path, place name or None, level or department name, priority, notes)
DEMO_RULES = (
    (("社区治理", "物业管理"), None, "compound", 0, "小区党支部牵头，督促物业整改"),
    (("社区治理", "停车管理"), None, "compound", 0, ""),
    (("社区治理", "停车管理"), "红旗社区", "grid", 0, "红旗社区网格员先行劝导"),
    (("社区治理", "老旧小区改造"), None, "community", 0, "纳入社区年度改造计划"),
    (("社区治理", "违章搭建"), None, "同心区城市管理局（城管局）", 0, ""),
    (("社区治理", "公共设施", "道路破损"), None, "street", 0, ""),
    (("社区治理", "安全隐患"), None, "community", 0, "消防、高空抛物由社区统筹"),
    (("城乡建设",), None, "同心区住房和城乡建设局（住建局）", 0, ""),
    (("环境保护",), None, "同心区生态环境局", 0, ""),
    (("商贸旅游", "市场监管"), None, "同心区市场监督管理局（市场监管局）", 0, ""),
    (("交通运输",), None, "street", 0, ""),
    (("劳动和社会保障",), None, "street", 0, ""),
)


def _category(district, path):
    node = None
    for name in path:
        node = Category.objects.get(district=district, parent=node, name=name)
    return node


def ensure_demo_triage(district):
    """Seed the routing table if it is empty and train a model if none is in use;
    return a one-line summary."""
    started = time.monotonic()
    added = 0
    if not RoutingRule.objects.filter(district=district).exists():
        officer = Person.objects.filter(roles__role=Role.DISTRICT_OFFICER,
                                        roles__place=district).order_by("pk").first()
        for path, place_name, handler, priority, notes in DEMO_RULES:
            department = Organisation.objects.filter(
                kind=OrgKind.DEPARTMENT, place=district, name=handler).first()
            place = (Place.objects.within(district).filter(name=place_name).first()
                     if place_name else None)
            services.create_rule(by=officer, district=district, category=_category(district, path),
                                 place=place, level="" if department else handler,
                                 department=department, priority=priority, notes=notes)
            added += 1
    model = TriageModel.objects.filter(district=district, is_active=True).first()
    trained = model is None
    if trained:
        model = train(district)
    return ("Smart triage: %d routing rules added; suggester v%d %s (%d district records, "
            "shipped CV macro-F1 %.3f); %.1f s"
            % (added, model.version, "trained" if trained else "already there",
               model.district_examples, model.cv_macro_f1 or 0, time.monotonic() - started))
