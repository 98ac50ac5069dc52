# Every delivery about a matter keeps it as its subject.

from django.db import migrations, models
from django.db.models.functions import Cast


def matter_to_subject(apps, schema_editor):
    Delivery = apps.get_model("webhooks", "Delivery")
    Delivery.objects.filter(matter__isnull=False).update(
        subject_type="matters.matter",
        subject_id=Cast("matter_id", models.CharField(max_length=64)),
    )


def subject_to_matter(apps, schema_editor):
    Delivery = apps.get_model("webhooks", "Delivery")
    Matter = apps.get_model("matters", "Matter")
    about_matters = Delivery.objects.filter(subject_type="matters.matter")
    for pk, subject_id in about_matters.values_list("pk", "subject_id").iterator():
        if subject_id.isdecimal() and Matter.objects.filter(pk=int(subject_id)).exists():
            Delivery.objects.filter(pk=pk).update(matter_id=int(subject_id))


class Migration(migrations.Migration):

    dependencies = [
        ('webhooks', '0002_delivery_subject'),
        ('matters', '0002_initial'),
    ]

    operations = [
        migrations.RunPython(matter_to_subject, subject_to_matter, elidable=False),
    ]
