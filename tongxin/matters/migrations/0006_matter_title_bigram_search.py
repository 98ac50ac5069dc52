"""Issue 12: Chinese substring search of titles served by an index, on PostgreSQL.

``tongxin_bigrams(text)``: the distinct lower-cased character pairs of a text; GIN indexes
on it for ``title`` and ``title_masked`` (the two columns ``selectors.title_q`` searches).
Why pairs and not pg_trgm: matters.lookups. SQLite has neither (and needs none: the
search there is ``icontains``)."""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION tongxin_bigrams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT substr(lower(t), i, 2)), '{}')
    FROM generate_series(1, char_length(t) - 1) AS i
$$
"""
INDEXES = {
    "matter_title_bigrams": "title",
    "matter_title_masked_bigrams": "title_masked",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    for name, column in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON matters_matter "
            f"USING gin (tongxin_bigrams({column}))")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    schema_editor.execute("DROP FUNCTION IF EXISTS tongxin_bigrams(text)")


class Migration(migrations.Migration):

    dependencies = [
        ("matters", "0005_matter_list_indexes_top_category"),
    ]

    operations = [migrations.RunPython(create, drop)]
