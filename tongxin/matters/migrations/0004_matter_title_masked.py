"""Matter.title_masked: the title as viewers who see the raiser's contacts masked read it,
so their search matches that text (issue 16, items 1 and 29); filled in for every matter."""

from django.db import migrations, models

from tongxin.core.masking import mask_contacts_in_text


def fill_title_masked(apps, schema_editor):
    Matter = apps.get_model("matters", "Matter")
    rows = Matter.objects.only("pk", "title").order_by("pk")
    batch = []
    for matter in rows.iterator(chunk_size=2000):
        matter.title_masked = mask_contacts_in_text(matter.title)
        batch.append(matter)
        if len(batch) == 2000:
            Matter.objects.bulk_update(batch, ["title_masked"])
            batch = []
    Matter.objects.bulk_update(batch, ["title_masked"])


class Migration(migrations.Migration):

    dependencies = [
        ("matters", "0003_matter_address_matter_latitude_matter_longitude"),
    ]

    operations = [
        migrations.AddField(
            model_name="matter",
            name="title_masked",
            field=models.CharField(blank=True, editable=False, max_length=100,
                                   verbose_name="title as masked"),
        ),
        migrations.RunPython(fill_title_masked, migrations.RunPython.noop, elidable=True),
    ]
