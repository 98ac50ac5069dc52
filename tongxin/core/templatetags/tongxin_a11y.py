"""What the base layout announces: the errors of a refused form, and flashed messages.

The layout (core/base.html) asks once for every page, so no form template has to
remember it: the error summary at the top of the page, the title prefixed with
"Error:", and the messages split into an alert (errors) and a status region (the rest).
"""

from django import template
from django.contrib.messages import constants
from django.forms import BaseForm
from django.forms.forms import NON_FIELD_ERRORS

register = template.Library()

# How far into lists and dicts of the context to look for forms (a page's action forms
# are a list of dicts holding a form; the whistle rows a list of dicts of forms).
SEARCH_DEPTH = 3


def _forms_in(value, depth=0):
    if isinstance(value, BaseForm):
        yield value
    elif depth < SEARCH_DEPTH and isinstance(value, list | tuple):
        for item in value:
            yield from _forms_in(item, depth + 1)
    elif depth < SEARCH_DEPTH and isinstance(value, dict):
        for item in value.values():
            yield from _forms_in(item, depth + 1)


def refused_forms(context):
    """Return the bound forms of the page that the server refused, once each, in order."""
    seen, refused = set(), []
    for value in context.flatten().values():
        for form in _forms_in(value):
            if id(form) not in seen and form.is_bound and form.errors:
                seen.add(id(form))
                refused.append(form)
    return refused


@register.simple_tag(takes_context=True)
def error_summary(context):
    """List each error of the refused forms: its field's label, the message and the field's id."""
    items = []
    for form in refused_forms(context):
        for name, errors in form.errors.items():
            field = form[name] if name != NON_FIELD_ERRORS and name in form.fields else None
            linked = field is not None and not field.is_hidden
            for message in errors:
                items.append({
                    "label": field.label if linked else "",
                    "message": message,
                    "target": (field.id_for_label or field.auto_id or "") if linked else "",
                })
    return items


@register.simple_tag
def split_messages(messages):
    """Split flashed messages into errors (announced as an alert) and the rest (a status)."""
    errors, others = [], []
    for message in messages or ():
        (errors if message.level >= constants.ERROR else others).append(message)
    return {"errors": errors, "others": others}
