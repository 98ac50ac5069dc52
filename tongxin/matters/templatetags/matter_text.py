"""A matter's title and description as the viewer may read them (selectors.text_as_seen):
``{% load matter_text %}{{ matter|title_for:user }}``, ``{{ matter|description_for:user }}``;
a department's answer to a whistle likewise: ``{{ whistle|answer_for:user }}``."""

from django import template

from tongxin.matters.selectors import answer_as_seen, text_as_seen

register = template.Library()


@register.filter
def title_for(matter, user):
    return text_as_seen(matter, user).title


@register.filter
def description_for(matter, user):
    return text_as_seen(matter, user).description


@register.filter
def answer_for(whistle, user):
    return answer_as_seen(whistle, user)
