"""The resident's home in the 长辈版: one big button per action, in plain words; the raise
form lets the keyboard's microphone and suggestions work and says so."""

import re

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from tongxin.matters import services
from tongxin.matters.choices import Kind
from tongxin.people.choices import Role

pytestmark = pytest.mark.django_db

HOME, RAISE, MINE = reverse("core:home"), reverse("matters:raise"), reverse("matters:mine")


def elder(person):
    person.elder_mode = True
    person.save(update_fields=["elder_mode"])
    return person


def actions(html):
    """The big actions of the elder home page: (name, link) in order."""
    block = re.search(r"<div[^>]*data-elder-home.*?</ul>", html, re.S).group(0)
    return re.findall(r'<a class="button big[^"]*" href="([^"]+)" data-elder-action="(\w+)"', block)


def test_the_elder_home_shows_one_big_button_per_action(client, world):
    client.force_login(elder(world.resident))
    html = client.get(HOME).content.decode()

    assert actions(html) == [(RAISE, "raise"), (MINE, "mine")]  # nothing to rate yet
    assert 'data-home="resident"' in html and "<table" not in html  # not the dense page


@pytest.fixture
def resolved(world, new_matter):
    """One of the resident's matters, resolved and waiting for their rating."""
    grid = world.by_role[Role.GRID_WORKER]
    matter = new_matter(title="已办结的事")
    services.triage(matter, by=grid, kind=Kind.IMMEDIATE)
    services.resolve(matter, by=grid, what_was_done="已修好", basis="规定", standard="达标")
    return matter


def test_the_elder_home_offers_the_rating_of_a_waiting_result(client, world, resolved):
    client.force_login(elder(world.resident))
    html = client.get(HOME).content.decode()

    found = actions(html)
    assert [name for _url, name in found] == ["raise", "mine", "rate"]
    assert found[2][0] == reverse("matters:detail", args=[resolved.pk])
    with translation.override("zh-hans"):
        waiting = gettext("%(counter)s result is waiting for your rating") % {"counter": 1}
    assert waiting in html


def test_the_standard_home_is_unchanged(client, world):
    client.force_login(world.resident)
    html = client.get(HOME).content.decode()
    assert "data-elder-home" not in html and 'data-home="resident"' in html


def test_the_raise_form_allows_voice_input_and_says_so_in_the_elder_mode(client, world,
                                                                         categories):
    client.force_login(world.resident)
    html = client.get(RAISE).content.decode()
    with translation.override("zh-hans"):
        hint = gettext("You can press the microphone on the keyboard and speak.")
    assert 'autocomplete="off"' not in html
    assert re.search(r'<input type="text" name="title"[^>]*enterkeyhint="next"', html)
    assert hint not in html

    elder(world.resident)
    html = client.get(RAISE).content.decode()
    assert 'autocomplete="off"' not in html
    textarea = re.search(r"<textarea[^>]*name=\"description\"[^>]*>", html).group(0)
    assert 'aria-describedby="id_description_helptext"' in textarea
    assert re.search(rf'<small[^>]*id="id_description_helptext"[^>]*>{hint}</small>', html)
