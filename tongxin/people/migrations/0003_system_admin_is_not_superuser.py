"""A system_admin role no longer makes a superuser (issue 16, item 34).

assign_role used to set is_superuser on every holder of the role, which made a district's
administrator a superuser of every district. Holders of the role lose the flag here, and
each loss is written to the audit log; a site-wide superuser is granted again with
``tongxin superuser grant NAME``.
"""

from django.db import migrations


def take_back(apps, schema_editor):
    Person = apps.get_model("people", "Person")
    Event = apps.get_model("core", "Event")
    ContentType = apps.get_model("contenttypes", "ContentType")
    holders = Person.objects.filter(is_superuser=True, roles__role="system_admin").distinct()
    people = list(holders.values_list("pk", flat=True))
    if not people:
        return
    person_type, _created = ContentType.objects.get_or_create(app_label="people",
                                                              model="person")
    Person.objects.filter(pk__in=people).update(is_superuser=False)
    Event.objects.bulk_create([
        Event(action="audit.superuser_revoked", subject_type_id=person_type.pk,
              subject_id=str(pk), place_code="",
              data={"reason": "a system_admin role no longer makes a superuser"})
        for pk in people
    ])


class Migration(migrations.Migration):

    dependencies = [
        ("people", "0002_sign_in_generation"),
        ("core", "0002_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(take_back, migrations.RunPython.noop)]
