"""Every link from a record to a person is accounted for: declared as personal data by its
app (``<app>/personal_data.py``), or listed here with the reason it holds none of it.

A new app whose model points at people fails here until it says what export and erasure
do with those rows.
"""

from django.apps import apps
from django.conf import settings

from tongxin.kernel import registry

# "app_label.model.field": why the row is not the person's data to export or erase.
NOT_PERSONAL_DATA = {
    "admin.logentry.user": "the admin site's own log of acts in office",
    "matters.matter.created_by": "the staff member who recorded the matter for the reporter",
    "matters.photo.uploaded_by": "part of the matter it illustrates, kept with it",
    "matters.whistle.whistled_by": "an act in office",
    "matters.whistle.reported_by": "an act in office",
    "api.apikey.account": "the account a partner system's key acts as, not a resident",
    "triage.triagemodel.trained_by": "an act in office",
    "hotspots.keptapart.by": "an act in office",
}


def links_to_people():
    """Return "app_label.model.field" for every field that points at a person, and the person."""
    person = apps.get_model(settings.AUTH_USER_MODEL)
    links = {person._meta.label_lower}
    for model in apps.get_models():
        if model._meta.proxy:
            continue
        for field in model._meta.get_fields():
            if field.concrete and field.is_relation and field.related_model is person:
                links.add(f"{model._meta.label_lower}.{field.name}")
    return links


def test_every_link_to_a_person_is_declared_or_explained():
    declared = {link for s in registry.personal_data_sections() for link in s.covers}
    missing = links_to_people() - declared - set(NOT_PERSONAL_DATA)
    assert not missing, f"declare these in the app's personal_data.py, or explain: {missing}"


def test_the_list_of_exceptions_names_only_real_links():
    declared = {link for s in registry.personal_data_sections() for link in s.covers}
    assert set(NOT_PERSONAL_DATA) <= links_to_people()
    assert not set(NOT_PERSONAL_DATA) & declared
    assert declared <= links_to_people()


def test_every_section_can_be_erased_or_exported():
    for section in registry.personal_data_sections():
        assert section.export is not None or section.erase is not None, section.key
