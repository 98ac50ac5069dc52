"""Give the matters and whistles that are open today their deadline records.

Before deadline records, a matter kept only its current deadline (``Matter.due_at``) and
a whistle its two (``report_due_at``, ``answer_due_at``). The open ones get a row each,
started when the stage's clock is known to have started at the latest, so the scan keeps
watching them; closed history cannot be rebuilt and starts from here.
"""

from django.db import migrations

ACTIVE = ("new", "in_progress", "whistled", "rectifying")


def forwards(apps, schema_editor):
    Matter = apps.get_model("matters", "Matter")
    Whistle = apps.get_model("matters", "Whistle")
    Deadline = apps.get_model("deadlines", "Deadline")
    rows = []
    matters = Matter.objects.filter(status__in=ACTIVE, due_at__isnull=False).exclude(stage="")
    for matter in matters.iterator():
        rows.append(Deadline(
            subject_type="matters.matter", subject_id=str(matter.pk), stage=matter.stage,
            district_id=matter.district_id, place_code=matter.place_code,
            owner_code=matter.owner_code, started_at=matter.heard_at or matter.created_at,
            due_at=matter.due_at, breached_at=matter.overdue_notified_at,
            data={"level": matter.owner_level},
        ))
    # Only a matter still waiting for departments keeps their deadlines open.
    whistles = Whistle.objects.exclude(status="answered").filter(
        matter__status="whistled").select_related(
        "matter", "department__place")
    for item in whistles.iterator():
        common = dict(subject_type="matters.whistle", subject_id=str(item.pk),
                      district_id=item.matter.district_id, place_code=item.matter.place_code,
                      owner_code=item.department.place.code, started_at=item.created_at,
                      data={"department": item.department_id})
        if item.status == "whistled":
            rows.append(Deadline(stage="whistle_report", due_at=item.report_due_at,
                                 breached_at=item.overdue_notified_at, **common))
        rows.append(Deadline(stage="whistle_answer", due_at=item.answer_due_at, **common))
    Deadline.objects.bulk_create(rows, batch_size=1000)


def backwards(apps, schema_editor):
    apps.get_model("deadlines", "Deadline").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("deadlines", "0003_deadline_records"),
        ("matters", "0003_matter_address_matter_latitude_matter_longitude"),
        ("orgs", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
