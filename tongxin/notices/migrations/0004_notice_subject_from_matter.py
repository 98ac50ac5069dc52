# Every notice about a matter keeps it as its subject, with the matter's place.

from django.db import migrations, models
from django.db.models.functions import Cast, Coalesce


def matter_to_subject(apps, schema_editor):
    Notice = apps.get_model("notices", "Notice")
    Matter = apps.get_model("matters", "Matter")
    place = Matter.objects.filter(pk=models.OuterRef("matter_id")).values("place_code")[:1]
    Notice.objects.filter(matter__isnull=False).update(
        subject_type="matters.matter",
        subject_id=Cast("matter_id", models.CharField(max_length=64)),
        place_code=Coalesce(models.Subquery(place), models.Value("")),
    )


def subject_to_matter(apps, schema_editor):
    Notice = apps.get_model("notices", "Notice")
    Matter = apps.get_model("matters", "Matter")
    about_matters = Notice.objects.filter(subject_type="matters.matter")
    for pk, subject_id in about_matters.values_list("pk", "subject_id").iterator():
        if subject_id.isdecimal() and Matter.objects.filter(pk=int(subject_id)).exists():
            Notice.objects.filter(pk=pk).update(matter_id=int(subject_id))


class Migration(migrations.Migration):

    dependencies = [
        ('notices', '0003_notice_subject'),
        ('matters', '0001_initial'),
    ]

    operations = [
        migrations.RunPython(matter_to_subject, subject_to_matter, elidable=False),
    ]
