"""SQL the list needs at city scale that the ORM does not say by itself (issue 12).

``TitleContains``: Chinese substring search served by an index. Chinese has no spaces, and a
word is often two characters (路灯, 漏水), which pg_trgm's trigrams cannot find through an
index (a two-character pattern has no trigram, so a GIN trigram index scans everything).
Instead every title's character pairs (``tongxin_bigrams``: lower-cased, distinct) are
indexed with GIN on PostgreSQL (migration 0006); a term of two characters or more is
looked up by its own pairs (``@>``: every pair present) and rechecked as a substring, so
the result is exactly the substring match. One character: the check alone; SQLite: LIKE.

``InSubquery``: ``pk IN (SELECT …)`` written ``pk = ANY(ARRAY(SELECT …))`` on PostgreSQL:
the subquery runs once first, and its ids become an index condition the planner can OR
(BitmapOr) with the other visibility conditions, instead of a filter that forces a scan of
every row.
"""

from django.db.models import BooleanField, Expression, Q, Subquery
from django.db.models.expressions import Col


def bigram_term_ok(term):
    """Whether ``term`` is long enough for the pair index (two characters or more)."""
    return len(term) >= 2


class _OnColumn(Expression):
    """A condition on the column ``field`` names, resolved against the query it filters.

    Once resolved it keeps its column: when its query becomes another query's subquery
    (``matter__in=Matter.objects.visible_to(user)``), the outer query resolves it again and
    only its parts are resolved, not the name, which means nothing to the outer model.
    """

    conditional = True
    output_field = BooleanField()

    def __init__(self, field):
        super().__init__(output_field=BooleanField())
        self.name = field

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False,
                           for_save=False):
        if hasattr(self, "column"):
            return super().resolve_expression(query, allow_joins, reuse, summarize, for_save)
        clone = self.copy()
        clone.column = query.resolve_ref(self.name)
        return clone


class TitleContains(_OnColumn):
    """True where the column ``field`` contains ``term``, in any case.

    PostgreSQL: ``tongxin_bigrams(col) @> tongxin_bigrams(term)`` (the GIN index) and
    ``strpos(lower(col), lower(term)) > 0`` (the exact check). Not ``ILIKE '%term%'`` for
    the check: the planner would multiply the pairs' selectivity (known from the index's
    statistics) by a LIKE guess of its own and expect a handful of rows for a common word
    such as 路灯, then sort every match instead of reading the newest rows in order.
    SQLite: ``LIKE '%term%'`` (as ``icontains``).
    """

    def __init__(self, field, term):
        super().__init__(field)
        self.term = term

    def get_source_expressions(self):
        column = getattr(self, "column", None)
        return [column] if isinstance(column, Col) else []

    def set_source_expressions(self, exprs):
        if exprs:
            self.column = exprs[0]

    def as_sql(self, compiler, connection):
        column, params = compiler.compile(self.column)
        pattern = f"%{connection.ops.prep_for_like_query(self.term)}%"
        return f"({column} LIKE %s ESCAPE '\\')", (*params, pattern)

    def as_postgresql(self, compiler, connection):
        column, params = compiler.compile(self.column)
        check = f"strpos(lower({column}), lower(%s)) > 0"
        if not bigram_term_ok(self.term):
            return f"({check})", (*params, self.term)
        return (f"(tongxin_bigrams({column}) @> tongxin_bigrams(%s) AND {check})",
                (*params, self.term, *params, self.term))


def contains_q(field, term):
    """Return a Q for ``field`` containing ``term`` (any case), index-served on PostgreSQL
    for two characters or more."""
    return Q(TitleContains(field, term))


class InSubquery(_OnColumn):
    """``pk`` among the values of a one-column ``queryset`` (see the module's doc)."""

    def __init__(self, field, queryset):
        super().__init__(field)
        self.queryset = queryset

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False,
                           for_save=False):
        resolved = hasattr(self, "column")
        clone = super().resolve_expression(query, allow_joins, reuse, summarize, for_save)
        if resolved:
            return clone
        clone.subquery = Subquery(self.queryset).resolve_expression(query, allow_joins, reuse,
                                                                     summarize)
        return clone

    def get_source_expressions(self):
        return [getattr(self, "column", None), getattr(self, "subquery", None)]

    def set_source_expressions(self, exprs):
        self.column, self.subquery = exprs

    def as_sql(self, compiler, connection):
        column, column_params = compiler.compile(self.column)
        subquery, sub_params = compiler.compile(self.subquery)
        return f"({column} IN {subquery})", (*column_params, *sub_params)

    def as_postgresql(self, compiler, connection):
        column, column_params = compiler.compile(self.column)
        subquery, sub_params = compiler.compile(self.subquery)
        return f"({column} = ANY(ARRAY{subquery}))", (*column_params, *sub_params)


def in_subquery_q(field, queryset):
    return Q(InSubquery(field, queryset))
