from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('webhooks', '0003_delivery_subject_from_matter'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='delivery',
            name='matter',
        ),
    ]
