"""What the webhooks app holds about a person: copies of their records' text (a matter's
title) in the bodies of the deliveries it keeps.

Registered from manifest.py. Nothing is exported here (the records are, by their own
apps); erasure takes the person's name, phone and ID-card number out of every body kept
(people.personal_data.erase_person_from_data). The deliveries stay, and so their log.
"""

from django.utils.translation import gettext_lazy as _

from tongxin.kernel.registry import PersonalData, register
from tongxin.people.personal_data import erase_person_from_data, identity_pattern
from tongxin.webhooks.models import Delivery


def erase_from_deliveries(person, *, by):
    if identity_pattern(person) is None:
        return
    for pk, payload in Delivery.objects.values_list("pk", "payload").iterator():
        cleaned = erase_person_from_data(payload, person, contacts=False)
        if cleaned != payload:
            Delivery.objects.filter(pk=pk).update(payload=cleaned)


register("webhooks", personal_data=[
    PersonalData("webhook_deliveries", _("Webhook deliveries"), order=95,
                 erase=erase_from_deliveries),
])
