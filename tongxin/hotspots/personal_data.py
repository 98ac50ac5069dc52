"""What the hotspots app holds about a person: nothing to export. The stored hot issues
(computing.py) name matters and carry words taken from their titles (``HotGroup.terms``),
so erasing a person drops the stored groups of the matters they raised and marks their
areas for computing again, from the erased titles. Registered from manifest.py."""

from django.utils.translation import gettext_lazy as _

from tongxin.hotspots import computing
from tongxin.hotspots.models import HotGroup, HotGroupMember
from tongxin.kernel.registry import PersonalData, register
from tongxin.matters.models import Matter


def erase_hot_issues(person, *, by):
    raised = Matter.objects.filter(reporter=person)
    groups = HotGroupMember.objects.filter(matter__in=raised).values("group_id")
    HotGroup.objects.filter(pk__in=groups).delete()
    codes = set(raised.values_list("place_code", flat=True))
    if codes:
        computing.mark_dirty(codes)


register("hotspots", personal_data=[
    PersonalData("hot_issues", _("Hot issues"), order=25, erase=erase_hot_issues),
])
