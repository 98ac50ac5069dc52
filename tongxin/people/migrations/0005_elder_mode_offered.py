from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('people', '0004_elder_mode'),
    ]

    operations = [
        migrations.AddField(
            model_name='person',
            name='elder_mode_offered',
            field=models.BooleanField(default=False, help_text='The person has answered the offer of the elder mode (or chosen it themselves).', verbose_name='elder mode offered'),
        ),
    ]
