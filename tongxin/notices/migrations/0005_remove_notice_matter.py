from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('notices', '0004_notice_subject_from_matter'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='notice',
            name='matter',
        ),
        migrations.AddIndex(
            model_name='notice',
            index=models.Index(fields=['subject_type', 'subject_id'], name='notice_subject'),
        ),
    ]
