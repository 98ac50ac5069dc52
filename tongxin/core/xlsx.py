"""Excel workbooks, written and read in one place.

Every .xlsx Tongxin sends goes through this module, and no other shipped module imports
openpyxl (``tongxin/core/tests/test_xlsx_exports.py`` reads them all to make sure):

- **Writing.** Text is always stored as text. openpyxl turns a string that starts with
  ``=`` into a live formula, so a resident's note ``=HYPERLINK("http://evil…","查看")``
  would become a link in the reader's Excel; here every string cell is typed as a
  string, so the reader sees exactly what was typed (``=``, ``+``, ``-``, ``@``, a tab
  or a carriage return first included) and nothing is evaluated. Characters XML cannot
  hold are replaced, so an export never fails on a stray control character.
- **Sending.** ``response()`` sends a workbook as a download, and only from a view an
  app has declared in its manifest (``xlsx_exports``), so the export test finds every
  export without a list kept by hand.
- **Reading.** ``read_workbook()`` refuses a workbook whose XML declares a document
  type or entities (the expat parser openpyxl uses would expand them, or fail with a
  500) before openpyxl sees it.
"""

import datetime
import io
import re
import zipfile
from numbers import Number
from xml.etree.ElementTree import ParseError
from xml.parsers import expat

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation  # noqa: F401  (for templates)

from tongxin.kernel import registry

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_CELL_TEXT = 32_767  # Excel's limit for one cell
SHEET_TITLE = re.compile(r"[\\/*?:\[\]]")  # characters Excel refuses in a sheet's name
PROLOG_LIMIT = 1024 * 1024  # bytes of a part read to find its root element, at most
XML_STARTS = (b"<", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")  # "<", or a BOM


# --- writing -------------------------------------------------------------------------------------


def text(value):
    """Return ``value`` as Excel can hold it in a cell: illegal characters replaced, cut to size."""
    value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", str(value))
    return value[:MAX_CELL_TEXT]


def value(raw):
    """Return what a cell should hold for ``raw``: numbers, dates and None as they are,
    anything else (lazy translations included) as its text."""
    if raw is None or isinstance(raw, (Number, datetime.date, datetime.time, datetime.timedelta)):
        return raw
    return text(raw)


def _as_text(cell):
    if isinstance(cell.value, str):
        cell.data_type = "s"  # openpyxl made "=..." a formula; it is the text typed
    return cell


def put(sheet, row, column, raw):
    """Write ``raw`` into a cell, a string always as a string (never a formula); return it."""
    cell = sheet.cell(row, column)
    cell.value = value(raw)
    return _as_text(cell)


def append(sheet, values):
    """Append a row below the sheet's last one, every string as a string; return its cells."""
    sheet.append([value(raw) for raw in values])
    return [_as_text(cell) for cell in sheet[sheet.max_row]]


def new_workbook():
    """Return an empty workbook (no sheet); add them with ``add_sheet``."""
    book = Workbook()
    book.remove(book.active)
    return book


def add_sheet(book, title):
    """Add a sheet named ``title``, cut to Excel's 31 characters and rid of forbidden ones."""
    return book.create_sheet(SHEET_TITLE.sub(" ", text(title))[:31] or "-")


def table(book, title, columns, rows):
    """Add a sheet: a bold, frozen header of ``columns`` ((header, width) pairs), then ``rows``."""
    sheet = add_sheet(book, title)
    for index, (header, width) in enumerate(columns, start=1):
        cell = put(sheet, 1, index, header)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(vertical="center", wrap_text=True)
        sheet.column_dimensions[get_column_letter(index)].width = width
    for row_index, values in enumerate(rows, start=2):
        for index, raw in enumerate(values, start=1):
            cell = put(sheet, row_index, index, raw)
            if isinstance(cell.value, str):
                cell.alignment = Alignment(vertical="top", wrap_text=len(cell.value) > 20)
    sheet.freeze_panes = "A2"
    return sheet


def to_bytes(book):
    """Return the workbook as .xlsx bytes. A string cell written around ``put`` (styling
    code setting ``cell.value``) is still saved as text: no formula leaves this module."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f" or isinstance(cell.value, str):
                    put(sheet, cell.row, cell.column, cell.value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def response(request, body, filename):
    """Send ``body`` (.xlsx bytes) as a download from a view its app declared (xlsx_exports)."""
    match = getattr(request, "resolver_match", None)
    view = match.view_name if match else None
    if view not in registry.xlsx_exports():
        raise ImproperlyConfigured(
            f"{view!r} sends a workbook but no manifest declares it in xlsx_exports "
            "(tongxin/core/xlsx.py)."
        )
    reply = HttpResponse(body, content_type=CONTENT_TYPE)
    reply["Content-Disposition"] = f'attachment; filename="{filename}"'
    reply["Cache-Control"] = "no-store"
    return reply


# --- reading -------------------------------------------------------------------------------------


class UnsafeWorkbook(ValueError):
    """The workbook declares a document type or entities, or its XML does not parse."""


class _RootReached(Exception):
    pass


def _check_prolog(stream):
    """Raise UnsafeWorkbook if the XML in ``stream`` declares a DOCTYPE or an entity.

    Both can only come before the root element, so parsing stops there.
    """
    parser = expat.ParserCreate()

    def refuse(*_args):
        raise UnsafeWorkbook("DTD or entity declaration")

    def root(*_args):
        raise _RootReached

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.StartElementHandler = root
    read = 0
    try:
        while chunk := stream.read(16 * 1024):
            read += len(chunk)
            if read > PROLOG_LIMIT:
                raise UnsafeWorkbook("no root element in the first megabyte")
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _RootReached:
        return
    except expat.ExpatError as error:
        raise UnsafeWorkbook(str(error)) from error


def check_workbook(data):
    """Raise UnsafeWorkbook if any XML part of the .xlsx ``data`` declares a DTD or entities."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return  # not a zip: openpyxl says it is not a workbook
    with archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            try:
                # Every part that is XML, whatever its name (a relationship may point a
                # sheet at "sheet1.dat"); images and other binary parts are left alone.
                with archive.open(info) as stream:
                    head = stream.read(1024).lstrip(b" \t\r\n\x00")
                if not head or head.startswith(XML_STARTS):
                    with archive.open(info) as stream:
                        _check_prolog(stream)
            except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError):
                return  # a damaged part: openpyxl refuses the file as not a workbook


def read_workbook(data):
    """Open .xlsx ``data`` read-only with values, not formulas.

    Raise UnsafeWorkbook if it declares a DTD or entities; anything else openpyxl
    cannot read raises its own exception (the caller says "not an .xlsx").
    """
    check_workbook(data)
    return load_workbook(io.BytesIO(data), read_only=True, data_only=True)


def read_rows(sheet):
    """Yield the values of each row; raise UnsafeWorkbook where the sheet's XML breaks.

    A read-only sheet is parsed as it is read, so a break halfway (a ParseError, or
    openpyxl failing on what it found) shows only now.
    """
    try:
        yield from sheet.iter_rows(values_only=True)
    except ParseError as error:
        raise UnsafeWorkbook(str(error)) from error
    except Exception as error:  # openpyxl fails in many ways on a damaged sheet
        raise UnsafeWorkbook(repr(error)) from error
