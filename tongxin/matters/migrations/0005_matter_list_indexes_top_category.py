"""Issue 12 (lists at city scale): Matter.top_category (the top of its category's tree,
filled here for every matter in one UPDATE) and the indexes that serve the list, its
visibility and its category filter in time order, and the open matters by owner."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


FILL_TOP_CATEGORY = """
UPDATE matters_matter SET top_category_id = (
    SELECT COALESCE(c3.id, c2.id, c1.id, c0.id)
    FROM matters_category c0
    LEFT JOIN matters_category c1 ON c1.id = c0.parent_id
    LEFT JOIN matters_category c2 ON c2.id = c1.parent_id
    LEFT JOIN matters_category c3 ON c3.id = c2.parent_id
    WHERE c0.id = matters_matter.category_id
)
"""


class Migration(migrations.Migration):

    dependencies = [
        ('matters', '0004_matter_title_masked'),
        ('places', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='matter',
            name='top_category',
            field=models.ForeignKey(blank=True, db_index=False, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='matters.category', verbose_name='top-level category'),
        ),
        migrations.RunSQL(FILL_TOP_CATEGORY, migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name='matter',
            index=models.Index(fields=['created_at', 'id'], name='matter_recent'),
        ),
        migrations.AddIndex(
            model_name='matter',
            index=models.Index(fields=['place_code', 'created_at'], name='matter_place_time'),
        ),
        migrations.AddIndex(
            model_name='matter',
            index=models.Index(fields=['owner_code', 'created_at'], name='matter_owner_time'),
        ),
        migrations.AddIndex(
            model_name='matter',
            index=models.Index(fields=['top_category', 'created_at'], name='matter_top_category_time'),
        ),
        migrations.AddIndex(
            model_name='matter',
            index=models.Index(condition=models.Q(('status__in', ['in_progress', 'new', 'rectifying', 'whistled'])), fields=['owner_code', 'due_at'], name='matter_open_by_owner'),
        ),
    ]
