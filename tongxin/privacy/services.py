"""Personal-data rights (PIPL): what Tongxin holds about a person, its export, and erasure.

Privacy knows no domain: each app declares its sections of a person's data to the kernel
registry (``<app>/personal_data.py``, registered from its manifest), and this module
iterates them, in their declared order, for the page, the JSON and Excel exports and
erasure.

``anonymise`` keeps every row that counts are computed from (matters, supports,
ratings, inspections, timeline events): their foreign keys keep pointing at the
person's row, which no longer says who they were. Counts and rates do not change.
"""

import json

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.core import xlsx
from tongxin.core.models import record_event
from tongxin.kernel import registry
from tongxin.people.personal_data import anonymised_name  # noqa: F401  (the name erased rows carry)


def sections():
    """Return the exported sections of a person's data, the profile first."""
    return [s for s in registry.personal_data_sections() if s.export is not None]


def personal_data(person):
    """Return everything Tongxin holds about ``person``, unmasked: it is their own data."""
    data = {"exported_at": timezone.localtime(timezone.now()).isoformat()}
    for section in sections():
        data[section.key] = section.export(person)
    return data


def export_json(person):
    """Return the person's data as UTF-8 JSON."""
    return json.dumps(personal_data(person), ensure_ascii=False, indent=2).encode("utf-8")


def _cell(value):
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return value


def export_xlsx(person):
    """Return the person's data as a workbook: one sheet per section, the profile first.

    What the person typed is written as text, never as a formula (core.xlsx)."""
    data = personal_data(person)
    book = xlsx.new_workbook()
    for section in sections():
        sheet = xlsx.add_sheet(book, section.title)
        if section.record:  # one record: a row per field, its label then its value
            for column in section.columns:
                xlsx.append(sheet, [column.label, _cell(data[section.key][column.key])])
            continue
        xlsx.append(sheet, [column.label for column in section.columns])
        for row in data[section.key]:
            xlsx.append(sheet, [_cell(row[column.key]) for column in section.columns])
    return xlsx.to_bytes(book)


@transaction.atomic
def anonymise(person, *, by):
    """Erase what identifies ``person`` while keeping every row that counts depend on.

    Each section erases its own rows, in the reverse of the declared order: the person's
    own row (the profile) last, once the others have found theirs by its account names.
    """
    person = get_user_model().objects.select_for_update().get(pk=person.pk)
    for section in reversed(registry.personal_data_sections()):
        if section.erase is not None:
            section.erase(person, by=by)
    # No personal data in the record: only that it happened, to which (now empty) row.
    record_event("person.anonymised", person, actor=by)
    return person
