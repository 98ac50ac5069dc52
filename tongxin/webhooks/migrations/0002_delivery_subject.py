# A delivery is about a record of any app (subject_type "app_label.model", subject_id),
# not a matter in particular; its event is any webhook event an app declares.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('webhooks', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='delivery',
            name='subject_type',
            field=models.CharField(blank=True, max_length=64, verbose_name='subject type'),
        ),
        migrations.AddField(
            model_name='delivery',
            name='subject_id',
            field=models.CharField(blank=True, max_length=64, verbose_name='subject id'),
        ),
        migrations.AlterField(
            model_name='delivery',
            name='event_type',
            field=models.CharField(max_length=32, verbose_name='event'),
        ),
    ]
