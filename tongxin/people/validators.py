"""Checks for Chinese phone and resident ID-card numbers."""

import re
from datetime import date

from django.utils.translation import gettext as _

from tongxin.kernel.errors import ServiceError

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"


def normalise_phone(value):
    """Return the 11-digit mobile number, or "" for none; raise if it is not one."""
    value = re.sub(r"[\s-]", "", str(value or "")).removeprefix("+86")
    if not value:
        return ""
    if not PHONE_RE.match(value):
        raise ServiceError(
            "bad_phone", _("%(value)s is not an 11-digit mobile number.") % {"value": value}
        )
    return value


def id_check_digit(first17):
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS)) % 11]


def normalise_id_number(value):
    """Return the 18-character ID number (GB 11643 check digit verified), or ""."""
    value = re.sub(r"\s", "", str(value or "")).upper()
    if not value:
        return ""
    if not re.match(r"^\d{17}[\dX]$", value) or id_check_digit(value[:17]) != value[17]:
        raise ServiceError(
            "bad_id_number",
            _("%(value)s is not a valid 18-character ID-card number.") % {"value": value},
        )
    return value


def birth_date_from_id_number(value):
    """Return the birth date held in an 18-character ID number (digits 7 to 14), or None."""
    digits = str(value or "")[6:14]
    if len(digits) != 8 or not digits.isdigit():
        return None
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None


def age_on(born, day):
    """Return the age in whole years, on ``day``, of someone born on ``born``."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
