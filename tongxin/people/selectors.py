"""Reads of people that the pages and the API share."""

from django.db.models import Q

from tongxin.people.rules import whole_contact_q


def search_people(user, people, term):
    """Narrow ``people`` to those whose name, or phone number as ``user`` sees it whole,
    contains ``term``.

    A phone is searched only where ``user`` sees it in full (people.rules.whole_contact_q):
    digits typed against a masked number (138****0000) would tell, one query at a time,
    what the mask hides. ID numbers are never searched.
    """
    term = (term or "").replace("\x00", "").strip()  # PostgreSQL refuses NUL in a query
    if not term:
        return people
    return people.filter(Q(full_name__contains=term)
                         | (Q(phone__contains=term) & whole_contact_q(user)))
