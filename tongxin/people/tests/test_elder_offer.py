"""The elder mode (长辈版) is offered once, on the home page, to residents of 60 and older.

The age comes from the roster's ID-card number (its digits 7 to 14 are the birth date);
the age is a setting, TONGXIN_ELDER_MODE_OFFER_AGE.
"""

from datetime import date

import pytest
from django.urls import reverse

from tongxin.people.choices import Role
from tongxin.people.rules import offer_elder_mode
from tongxin.people.validators import age_on, birth_date_from_id_number, id_check_digit

pytestmark = pytest.mark.django_db

HOME = reverse("core:home")
TODAY = date(2026, 12, 6)


def id_number(born):
    first17 = f"110105{born:%Y%m%d}002"
    return first17 + id_check_digit(first17)


def born_on(person, born):
    person.id_number = id_number(born)
    person.save(update_fields=["id_number"])
    return person


def test_the_birth_date_and_the_age_come_from_the_id_number():
    assert birth_date_from_id_number("11010519491231002X") == date(1949, 12, 31)
    assert birth_date_from_id_number(None) is None
    assert birth_date_from_id_number("110105") is None
    assert birth_date_from_id_number("110105 19491331002X") is None
    assert birth_date_from_id_number("11010519491331002X") is None  # no 31st of the 13th month
    assert age_on(date(1966, 12, 6), TODAY) == 60
    assert age_on(date(1966, 12, 7), TODAY) == 59


def test_an_older_resident_is_offered_the_elder_mode_on_the_home_page(client, world):
    born_on(world.resident, date(1950, 3, 1))
    client.force_login(world.resident)
    html = client.get(HOME).content.decode()

    assert "data-elder-offer" in html
    assert 'name="elder_mode" value="on"' in html and 'name="elder_mode" value="off"' in html
    assert offer_elder_mode(world.resident, TODAY)
    assert offer_elder_mode(born_on(world.resident, date(1966, 12, 6)), TODAY)  # 60 today


def test_a_younger_resident_one_without_a_number_and_staff_are_not_offered_it(client, world):
    born_on(world.resident, date(1990, 5, 20))
    client.force_login(world.resident)
    assert "data-elder-offer" not in client.get(HOME).content.decode()
    assert not offer_elder_mode(born_on(world.resident, date(1966, 12, 7)), TODAY)  # 60 tomorrow

    assert not world.resident_b.id_number
    client.force_login(world.resident_b)
    assert "data-elder-offer" not in client.get(HOME).content.decode()

    worker = born_on(world.by_role[Role.GRID_WORKER], date(1950, 3, 1))
    assert not offer_elder_mode(worker, TODAY)
    client.force_login(worker)
    assert "data-elder-offer" not in client.get(HOME).content.decode()


def test_the_age_is_a_setting(world, settings):
    resident = born_on(world.resident, date(1960, 1, 1))  # 66
    assert offer_elder_mode(resident, TODAY)
    settings.TONGXIN_ELDER_MODE_OFFER_AGE = 70
    assert not offer_elder_mode(resident, TODAY)


@pytest.mark.parametrize("answer", ["on", "off"])
def test_the_offer_is_not_made_again_once_answered(client, world, answer):
    born_on(world.resident, date(1950, 3, 1))
    client.force_login(world.resident)
    response = client.post(reverse("people:elder_mode"),
                           {"elder_mode": answer, "offer": "1", "next": HOME})

    assert response["Location"] == HOME
    world.resident.refresh_from_db()
    assert world.resident.elder_mode_offered
    assert world.resident.elder_mode is (answer == "on")
    html = client.get(HOME).content.decode()
    assert "data-elder-offer" not in html
    assert ('class="elder"' in html) is (answer == "on")


def test_turning_the_mode_off_in_the_footer_also_answers_the_offer(client, world):
    born_on(world.resident, date(1950, 3, 1))
    world.resident.elder_mode = True
    world.resident.save(update_fields=["elder_mode"])
    client.force_login(world.resident)
    assert "data-elder-offer" not in client.get(HOME).content.decode()  # already chosen
    client.post(reverse("people:elder_mode"), {"elder_mode": "off", "next": HOME})
    assert "data-elder-offer" not in client.get(HOME).content.decode()
