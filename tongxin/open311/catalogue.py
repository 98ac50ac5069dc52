"""A district's category tree as Open311 services.

Each active second-level category is a service (service_code = its id), grouped by
its top-level category. Its active third-level categories become the service's
keywords and the values of one optional singlevaluelist attribute, "subcategory",
so ``attribute[subcategory]=<id>`` files the matter under that third-level category.
"""

from django.utils.translation import gettext as _

from tongxin.matters.models import Category

SUBCATEGORY = "subcategory"
SERVICE_DEPTH = 1


def _tree(district):
    """Return (services, children by parent id, top-level categories by id) in one query."""
    nodes = list(Category.objects.filter(district=district, is_active=True)
                 .order_by("depth", "position", "name"))
    tops = {c.pk: c for c in nodes if c.depth == 0}
    services = [c for c in nodes if c.depth == SERVICE_DEPTH and c.parent_id in tops]
    children = {}
    for category in nodes:
        if category.depth == SERVICE_DEPTH + 1:
            children.setdefault(category.parent_id, []).append(category)
    return services, children, tops


def _service(category, children, group):
    kids = children.get(category.pk, [])
    return {
        "service_code": str(category.pk),
        "service_name": category.name,
        "description": f"{group.name} / {category.name}",
        "metadata": bool(kids),
        "type": "realtime",
        "keywords": ", ".join(k.name for k in kids),
        "group": group.name,
    }


def service_list(district):
    """Return the services of ``district`` in the tree's order."""
    services, children, tops = _tree(district)
    return [_service(c, children, tops[c.parent_id]) for c in services]


def find_service(district, code):
    """Return the active second-level category ``code`` of ``district``, or None."""
    if not str(code or "").isdecimal():
        return None
    return (Category.objects.select_related("parent")
            .filter(pk=int(code), district=district, depth=SERVICE_DEPTH, is_active=True,
                    parent__is_active=True)
            .first())


def subcategories(service):
    return list(service.children.filter(is_active=True).order_by("position", "name"))


def definition(service):
    """Return the service definition: the subcategory attribute, when there are any."""
    kids = subcategories(service)
    attributes = []
    if kids:
        attributes.append({
            "variable": True,
            "code": SUBCATEGORY,
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": _("The id of one of the listed kinds."),
            "order": 1,
            "description": _("Which kind of “%(service)s” is it?") % {"service": service.name},
            "values": [{"key": str(k.pk), "name": k.name} for k in kids],
        })
    return {"service_code": str(service.pk), "attributes": attributes}


def service_of(category):
    """Return the category a matter's category is listed under as a service.

    A third-level category belongs to its parent's service; staff may also file a
    matter under a top-level category, which then stands for itself.
    """
    if category.depth > SERVICE_DEPTH and category.parent is not None:
        return category.parent
    return category
