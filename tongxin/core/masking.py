"""Masks for personal data shown to people who do not need it in full."""


def mask_phone(phone):
    """Return 138****0000 for 13800000000; short or empty numbers are masked whole."""
    if not phone:
        return ""
    phone = str(phone)
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_id_number(id_number):
    """Return 110***********1234: the province and the last four digits only."""
    if not id_number:
        return ""
    id_number = str(id_number)
    if len(id_number) < 8:
        return "*" * len(id_number)
    return id_number[:3] + "*" * (len(id_number) - 7) + id_number[-4:]


def mask_name(name):
    """Return 张*明 for 张小明 and 张* for 张三: for public boards without consent."""
    if not name:
        return ""
    if len(name) <= 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
