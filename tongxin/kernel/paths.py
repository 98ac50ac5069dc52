"""Hierarchical codes as materialised paths: "everything under X" is one range query.

Place codes are digit strings in which each child's code starts with its parent's
(places.models). Any record that keeps a copy of a place code (``place_code``,
``owner_code``) is scoped with these same ranges.
"""

from django.db.models import Q


def upper_bound(code):
    """Return the smallest digit string above every code that starts with ``code``, or None.

    "4401" → "4402" and "4409" → "441": a code starts with the prefix exactly when it
    lies in [prefix, bound). Only digits are compared, so the range holds under any
    collation that orders 0–9 (PostgreSQL's ICU collations included), unlike a bound
    such as prefix + ":" which holds under the "C" collation only. A prefix of nines
    has no bound: every digit string at or above it starts with it.
    """
    stripped = code.rstrip("9")
    if not stripped:
        return None
    return stripped[:-1] + str(int(stripped[-1]) + 1)


def subtree_q(code, field="code", include_self=True):
    """Return a Q matching codes at or below ``code`` in ``field`` (a B-tree range scan)."""
    query = Q(**{f"{field}__gte" if include_self else f"{field}__gt": code})
    bound = upper_bound(code)
    if bound is not None:
        query &= Q(**{f"{field}__lt": bound})
    return query


def subtrees_q(codes, field="code"):
    """Return a Q matching codes under any of ``codes`` (nothing if there are none)."""
    query = Q(pk__in=[])
    for code in codes:
        query |= subtree_q(code, field)
    return query


def minimal_roots(codes):
    """Drop codes that lie under another code in the collection."""
    roots = []
    for code in sorted(set(codes)):
        if not roots or not code.startswith(roots[-1]):
            roots.append(code)
    return roots


def ancestor_prefixes(codes):
    """Return every proper prefix of ``codes`` (the codes of places above them)."""
    return frozenset(code[:n] for code in codes for n in range(1, len(code)))
