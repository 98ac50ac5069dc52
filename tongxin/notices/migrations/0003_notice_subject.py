# A notice is about a record of any app (subject_type "app_label.model", subject_id),
# not a matter in particular; its kind is any kind an app declares to the registry.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('notices', '0002_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='notice',
            name='subject_type',
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name='notice',
            name='subject_id',
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name='notice',
            name='place_code',
            field=models.CharField(blank=True, max_length=32),
        ),
        migrations.AlterField(
            model_name='notice',
            name='kind',
            field=models.CharField(max_length=32),
        ),
    ]
