"""Build roster workbooks in memory for the roster tests."""

import io

from openpyxl import Workbook

from tongxin.people.roster import COLUMNS
from tongxin.people.validators import id_check_digit

HEADERS = [column.header for column in COLUMNS]
ENGLISH_HEADERS = [column.aliases[0].capitalize() for column in COLUMNS]


def id_number(serial):
    """Return a valid ID-card number for someone born on 1 January 1980."""
    first17 = f"33010619800101{serial:03d}"
    return first17 + id_check_digit(first17)


def row(**values):
    """Return a roster row: one resident of 西湖街道 / 翠苑社区, with ``values`` changed."""
    return {
        "street": "西湖街道", "community": "翠苑社区", "compound": "翠苑一区",
        "grid": "第一网格", "building": "1号楼", "household": "1单元101",
        "full_name": "王芳", "phone": "13700000001", "id_number": "", "head": "是",
    } | values


def roster_bytes(rows, headers=HEADERS):
    """Return an .xlsx file with ``headers`` in row 1 and one line per row dict."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for values in rows:
        sheet.append([values.get(column.key, "") for column in COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def roster_file(rows, headers=HEADERS):
    return io.BytesIO(roster_bytes(rows, headers))


def good_rows():
    """Return a small roster: two compounds, a second-level grid and an empty household."""
    return [
        row(),
        row(full_name="李强", phone="13700000002", id_number=id_number(1), head="否"),
        row(household="1单元102", full_name="赵敏", phone="13700000003", head=""),
        row(building="2号楼", household="2单元201", full_name="", phone="", head=""),
        row(compound="翠苑二区", grid="第二网格/2-1网格", building="5号楼", household="101",
            full_name="孙丽", phone="", id_number=id_number(2), head="是"),
        row(compound="翠苑二区", grid="第二网格/2-1网格", building="5号楼", household="101",
            full_name="孙小丽", phone="", head="否"),
    ]
