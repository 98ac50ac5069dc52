"""Import places, households and residents from an Excel roster (docs/roster.md).

Every row is checked before anything is written: if any row is wrong nothing is
imported and the caller gets every row's errors at once. Re-importing a file finds
each place and person already there and changes nothing.
"""

import io
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

from django.conf import settings
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from tongxin.core import xlsx
from tongxin.core.models import record_event
from tongxin.kernel.errors import ServiceError
from tongxin.people.models import Person
from tongxin.people.rules import import_roots
from tongxin.people.services import create_person, update_person
from tongxin.people.validators import normalise_id_number, normalise_phone
from tongxin.places.choices import PlaceKind
from tongxin.places.models import Place
from tongxin.places.services import create_place

MAX_ROWS = 20_000
ROOT_KINDS = (PlaceKind.DISTRICT, PlaceKind.STREET, PlaceKind.COMMUNITY)
# One grid cell may name a first- and a second-level grid: "第一网格/3号网格".
GRID_SEPARATOR = re.compile(r"\s*[/／]\s*")
DATA_SHEET = "花名册"
HELP_SHEET = "说明"
YES = {"是", "y", "yes", "true", "1", "√"}
NO = {"否", "n", "no", "false", "0", "×"}


class Column(NamedTuple):
    key: str
    header: str  # the template's header; staff fill the roster in Chinese
    aliases: tuple  # other headers accepted, compared in lower case
    required: bool  # the column must be present, and filled in on every row
    max_length: int
    help: str
    example: str
    width: int


COLUMNS = (
    Column("street", "街道", ("street",), True, 100,
           gettext_lazy("Name of the street (or town)."), "幸福街道", 14),
    Column("community", "社区", ("community",), True, 100,
           gettext_lazy("Name of the community."), "阳光社区", 14),
    Column("compound", "小区", ("compound",), True, 100,
           gettext_lazy("Name of the residential compound."), "阳光花园", 14),
    Column("grid", "网格", ("grid",), True, 100,
           gettext_lazy("Name of the grid; for a second-level grid write both, "
                        "separated by a slash: 第一网格/3号网格."), "第一网格", 16),
    Column("building", "楼栋", ("building",), True, 100,
           gettext_lazy("Name of the building."), "1号楼", 10),
    Column("household", "房号", ("household", "room", "户号"), True, 100,
           gettext_lazy("The household's door: unit and room."), "3单元502", 12),
    Column("full_name", "姓名", ("full name", "name"), False, 64,
           gettext_lazy("The resident's name. Leave it empty to create only the household."),
           "张三", 10),
    Column("phone", "手机号码", ("phone", "mobile phone", "手机号"), False, 20,
           gettext_lazy("11-digit mobile number; optional, but each number at most once."),
           "13800000000", 15),
    Column("id_number", "身份证号码", ("id number", "id-card number", "身份证号"), False, 18,
           gettext_lazy("18-character resident ID-card number; optional, each at most once."),
           "11010519491231002X", 22),
    Column("head", "是否户主", ("head of household", "户主"), False, 4,
           gettext_lazy("是 if this resident is the head of the household, 否 if not; "
                        "empty leaves a known resident as they are."), "是", 10),
)
PLACE_COLUMNS = COLUMNS[:6]
COLUMN = {column.key: column for column in COLUMNS}
REQUIRED_HEADERS = PLACE_COLUMNS + (COLUMN["full_name"],)
TEXT_COLUMNS = ("phone", "id_number")
EXAMPLE = {column.key: column.example for column in COLUMNS}


class RowError(NamedTuple):
    row: int  # as Excel shows it: the header is row 1
    column: str  # the header as written in the file
    message: str


class RosterInvalid(ServiceError):
    """Some rows are wrong, so nothing was imported; ``errors`` lists them all."""

    def __init__(self, errors):
        rows = len({error.row for error in errors})
        super().__init__(
            "roster_invalid",
            ngettext("%(count)d row has errors; nothing was imported.",
                     "%(count)d rows have errors; nothing was imported.", rows)
            % {"count": rows},
        )
        self.errors = list(errors)


@dataclass
class RosterRow:
    number: int
    values: dict  # column key -> cleaned text ("" when empty)
    headers: dict  # column key -> the header as written in the file
    numeric: frozenset = frozenset()  # keys whose cell Excel stored as a number

    def path(self):
        """Return the (kind, column key, name) of each place from street to household."""
        steps = []
        for column in PLACE_COLUMNS:
            names = [self.values[column.key]]
            if column.key == "grid":
                names = GRID_SEPARATOR.split(names[0])
            steps += [(PlaceKind(column.key), column.key, name) for name in names]
        return steps


@dataclass
class ImportResult:
    rows: int = 0
    places_created: Counter = field(default_factory=Counter)
    people_created: int = 0
    people_updated: int = 0
    rows_unchanged: int = 0

    @property
    def changed(self):
        return bool(self.places_created or self.people_created or self.people_updated)

    def summary(self):
        """Return (label, number) pairs for the page and the command line."""
        lines = [(_("Rows read"), self.rows)]
        lines += [
            (_("Created: %(kind)s") % {"kind": kind.label}, self.places_created[kind])
            for kind in PlaceKind if self.places_created[kind]
        ]
        lines += [
            (_("Residents created"), self.people_created),
            (_("Residents updated"), self.people_updated),
            (_("Rows unchanged"), self.rows_unchanged),
        ]
        return lines


# --- Reading the file -------------------------------------------------------------

def check_size(size):
    """Refuse a file larger than settings.TONGXIN_ROSTER_MAX_BYTES."""
    limit = settings.TONGXIN_ROSTER_MAX_BYTES
    if size > limit:
        raise ServiceError(
            "roster_too_big",
            _("The file is larger than %(size)s; split the roster into several files.")
            % {"size": filesizeformat(limit)},
        )


def _not_excel():
    return ServiceError(
        "roster_not_xlsx",
        _("This is not an Excel .xlsx file. Save it from Excel as “Excel Workbook (.xlsx)” "
          "and try again."),
    )


def _clean(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    # Copied cells often bring non-breaking and full-width spaces along.
    return re.sub(r"\s+", " ", str(value).replace("\u3000", " ")).strip()


def _header_key(text):
    text = _clean(text).lower().rstrip("*＊ ")
    for column in COLUMNS:
        if text == column.header or text in column.aliases:
            return column.key
    return None


def _unsafe():
    return ServiceError(
        "roster_unsafe",
        _("This .xlsx file contains XML that a roster never holds (a document type or entity "
          "declaration) or XML that is damaged, so it was not read. Copy the rows into the "
          "template, save it from Excel as “Excel Workbook (.xlsx)” and try again."),
    )


def parse_roster(file_obj):
    """Read the roster's first sheet into rows; raise ServiceError if the file is unusable."""
    data = file_obj.read(settings.TONGXIN_ROSTER_MAX_BYTES + 1)
    check_size(len(data))
    try:
        workbook = xlsx.read_workbook(data)
    except xlsx.UnsafeWorkbook as error:
        raise _unsafe() from error
    except Exception as error:  # openpyxl fails in many ways on what is not an .xlsx
        raise _not_excel() from error
    try:
        if not workbook.worksheets:
            raise _empty()
        return _read_rows(workbook.worksheets[0])
    except xlsx.UnsafeWorkbook as error:  # the sheet is parsed as it is read
        raise _unsafe() from error
    finally:
        workbook.close()


def _empty():
    return ServiceError("roster_empty", _("The roster has no rows to import."))


def _read_rows(sheet):
    lines = xlsx.read_rows(sheet)
    header_cells = next(lines, ())
    if not any(_clean(cell) for cell in header_cells):
        raise _empty()
    positions, headers = {}, {}
    for index, text in enumerate(header_cells):
        key = _header_key(text)
        if key and key not in positions:
            positions[key], headers[key] = index, _clean(text)
    missing = [column.header for column in REQUIRED_HEADERS if column.key not in positions]
    if missing:
        raise ServiceError(
            "roster_missing_columns",
            _("Row 1 must name the columns; missing: %(missing)s. Start from the template.")
            % {"missing": "、".join(missing)},
        )
    rows = []
    for number, cells in enumerate(lines, start=2):
        raw = {key: cells[index] if index < len(cells) else None
               for key, index in positions.items()}
        values = {column.key: _clean(raw.get(column.key)) for column in COLUMNS}
        if not any(values.values()):
            continue
        if len(rows) == MAX_ROWS:
            raise ServiceError(
                "roster_too_many_rows",
                _("The roster has more than %(max)d rows; split it into several files.")
                % {"max": MAX_ROWS},
            )
        rows.append(RosterRow(
            number=number,
            values=values,
            headers={column.key: headers.get(column.key, column.header) for column in COLUMNS},
            numeric=frozenset(key for key, value in raw.items()
                              if isinstance(value, (int, float)) and not isinstance(value, bool)),
        ))
    if not rows:
        raise _empty()
    return rows


# --- Checking and importing --------------------------------------------------------

def importable_roots(user):
    """Return the districts, streets and communities under which ``user`` may import."""
    roots = {}
    for place in import_roots(user):
        if place.kind in ROOT_KINDS:
            roots[place.pk] = place
        elif place.kind in (PlaceKind.PROVINCE, PlaceKind.CITY):
            districts = Place.objects.within(place).of_kind(PlaceKind.DISTRICT)
            roots.update((district.pk, district) for district in districts)
    return sorted(roots.values(), key=lambda place: place.code)


@dataclass
class _Plan:
    row: RosterRow
    person: Person | None = None  # the known resident this row names
    changes: dict = field(default_factory=dict)  # for update_person; "household" is resolved late


def _chunks(values, size=500):
    values = sorted(values)
    return (values[i:i + size] for i in range(0, len(values), size))


class _Roster:
    """Check rows against the database, then write them; one instance per import."""

    def __init__(self, rows, root):
        if root.kind not in ROOT_KINDS:
            raise ServiceError(
                "roster_bad_root",
                _("A roster is imported under a district, a street or a community."),
            )
        self.rows, self.root = rows, root
        # Rows always name the street and community: walk them from the district, and
        # require the names above a lower root to be that root's.
        lineage = list(root.ancestors()) + [root]
        self.start = next(p for p in lineage if p.kind == PlaceKind.DISTRICT)
        self.fixed = {p.kind: p.name for p in lineage if p.kind in ROOT_KINDS[1:]}
        self.errors = []
        self._children = {}
        self._members = {}
        self.by_phone = self.by_id = {}

    @staticmethod
    def _people(field_name, values):
        found = {}
        for chunk in _chunks(values - {""}):
            for person in Person.objects.filter(**{f"{field_name}__in": chunk}).select_related(
                "household"
            ):
                found[getattr(person, field_name)] = person
        return found

    def child(self, parent, name):
        """Return the existing place ``name`` under ``parent`` (None if either is new)."""
        if parent is None:
            return None
        if parent.pk not in self._children:
            self._children[parent.pk] = {p.name: p for p in parent.children.all()}
        return self._children[parent.pk].get(name)

    def members(self, household):
        if household.pk not in self._members:
            self._members[household.pk] = list(household.members.order_by("pk"))
        return self._members[household.pk]

    def error(self, row, key, message):
        self.errors.append(RowError(row.number, row.headers[key], str(message)))

    # -- checking

    def check(self):
        """Return a plan per row, collecting every row's errors in ``self.errors``."""
        fine = []
        for row in self.rows:
            before = len(self.errors)
            self._check_fields(row)
            fine.append(len(self.errors) == before)
        # Look people up once the numbers are normalised ("138 0000 0000").
        self.by_phone = self._people("phone", {row.values["phone"] for row in self.rows})
        self.by_id = self._people("id_number", {row.values["id_number"] for row in self.rows})
        seen = {"phone": {}, "id_number": {}, "person": {}, "matched": {}}
        plans = []
        for row, ok in zip(self.rows, fine):
            plan = _Plan(row)
            if ok:
                before = len(self.errors)
                household = self._check_path(row)
                if len(self.errors) == before and row.values["full_name"]:
                    self._check_person(plan, household, seen)
            plans.append(plan)
        return plans

    def _check_fields(self, row):
        values = row.values
        if values == EXAMPLE:
            self.error(row, "full_name", _("This is the template's example row; delete it."))
            return
        for column in COLUMNS:
            if column.required and not values[column.key]:
                self.error(row, column.key, _("This column must be filled in."))
            elif len(values[column.key]) > column.max_length:
                self.error(row, column.key, _("At most %(max)d characters.")
                           % {"max": column.max_length})
        grids = GRID_SEPARATOR.split(values["grid"])
        if values["grid"] and (len(grids) > 2 or "" in grids):
            self.error(row, "grid", _("Name one grid, or a first- and a second-level grid "
                                      "separated by a slash."))
        for key, normalise in (("phone", normalise_phone), ("id_number", normalise_id_number)):
            try:
                values[key] = normalise(values[key])
            except ServiceError as error:
                message = error.message
                if key == "id_number" and key in row.numeric:
                    message = _("Excel stored this ID-card number as a number and lost digits: "
                                "format the column as text and type it again.")
                self.error(row, key, message)
        head = values["head"].lower()
        if head and head not in YES | NO:
            self.error(row, "head", _("Write 是 or 否, or leave it empty."))
        if not values["full_name"] and (values["phone"] or values["id_number"] or head):
            self.error(row, "full_name", _("A row with a phone, an ID-card number or a head "
                                           "mark needs the resident's name."))

    def _check_path(self, row):
        """Return the row's household if it exists already, checking the places above it."""
        place = self.start
        for kind, key, name in row.path():
            if kind in self.fixed and name != self.fixed[kind]:
                self.error(row, key, _("You import under %(root)s, so this must be %(name)s.")
                           % {"root": self.root.name, "name": self.fixed[kind]})
                return None
            parent, place = place, self.child(place, name)
            if place is not None and place.kind != kind:
                self.error(row, key, _("%(parent)s already holds %(name)s, which is a %(kind)s.")
                           % {"parent": parent.name, "name": name,
                              "kind": PlaceKind(place.kind).label})
                return None
        return place

    def _check_person(self, plan, household, seen):
        row, values = plan.row, plan.row.values
        name, phone, id_number = values["full_name"], values["phone"], values["id_number"]
        for key, value, message in (
            ("phone", phone, _("The same phone number is on row %(row)d.")),
            ("id_number", id_number, _("The same ID-card number is on row %(row)d.")),
        ):
            if value in seen[key]:
                self.error(row, key, message % {"row": seen[key][value]})
                return
            if value:
                seen[key][value] = row.number
        path = tuple(name for _kind, _key, name in row.path())
        if not (phone or id_number):
            if (path, name) in seen["person"]:
                self.error(row, "full_name", _("The same resident is on row %(row)d.")
                           % {"row": seen["person"][path, name]})
                return
            seen["person"][path, name] = row.number

        by_phone, by_id = self.by_phone.get(phone), self.by_id.get(id_number)
        if by_phone and by_id and by_phone != by_id:
            self.error(row, "id_number", _("The phone number and the ID-card number belong "
                                           "to two different people."))
            return
        person, key = (by_phone, "phone") if by_phone else (by_id, "id_number")
        if person is None and household is not None:
            # Someone imported earlier without a phone or ID number gains them now.
            person = next((p for p in self.members(household) if p.full_name == name
                           and not (phone and p.phone) and not (id_number and p.id_number)),
                          None)
            key = "full_name"
        if person is None:
            return
        if person.pk in seen["matched"]:
            self.error(row, key, _("The same resident is on row %(row)d.")
                       % {"row": seen["matched"][person.pk]})
            return
        seen["matched"][person.pk] = row.number
        same_household = household is not None and person.household_id == household.pk
        if person.household is not None and not person.household.is_within(self.root):
            self.error(row, key, _("This belongs to a resident registered outside %(root)s.")
                       % {"root": self.root.name})
            return
        if person.full_name != name and not same_household:
            self.error(row, key, _("This belongs to another person."))
            return
        if id_number and person.id_number and person.id_number != id_number:
            self.error(row, "id_number", _("The resident with this phone number has another "
                                           "ID-card number on record."))
            return
        plan.person = person
        wanted = {"full_name": name, "phone": phone, "id_number": id_number}
        plan.changes = {k: v for k, v in wanted.items() if v and getattr(person, k) != v}
        if values["head"] and (values["head"].lower() in YES) != person.is_household_head:
            plan.changes["is_household_head"] = values["head"].lower() in YES
        if not same_household:
            plan.changes["household"] = None  # the row's household, once it exists

    # -- writing

    @transaction.atomic
    def write(self, plans, by):
        result = ImportResult(rows=len(plans))
        for plan in plans:
            try:
                touched = self._write_row(plan, by, result)
            except ServiceError as error:  # e.g. someone else wrote the same place meanwhile
                raise RosterInvalid([RowError(plan.row.number, "", error.message)]) from error
            result.rows_unchanged += not touched
        if result.changed:
            record_event(
                "roster.imported", self.root, actor=by, place=self.root, rows=result.rows,
                places={kind.value: n for kind, n in result.places_created.items()},
                created=result.people_created, updated=result.people_updated,
            )
        return result

    def _write_row(self, plan, by, result):
        touched = False
        place = self.start
        for kind, _key, name in plan.row.path():
            parent, place = place, self.child(place, name)
            if place is None:
                place = create_place(kind=kind, name=name, parent=parent, by=by)
                self._children[parent.pk][name] = place
                self._children[place.pk] = {}
                result.places_created[kind] += 1
                touched = True
        values = plan.row.values
        if plan.person is None and values["full_name"]:
            create_person(
                full_name=values["full_name"], phone=values["phone"],
                id_number=values["id_number"], household=place,
                is_household_head=values["head"].lower() in YES, by=by,
            )
            result.people_created += 1
            touched = True
        elif plan.changes:
            if "household" in plan.changes:
                plan.changes["household"] = place
            update_person(plan.person, by=by, **plan.changes)
            result.people_updated += 1
            touched = True
        return touched


def import_roster(file_obj, *, root, by=None):
    """Import a roster under ``root``: every row, or nothing (raise RosterInvalid)."""
    roster = _Roster(parse_roster(file_obj), root)
    plans = roster.check()
    if roster.errors:
        raise RosterInvalid(roster.errors)
    return roster.write(plans, by)


# --- The template -------------------------------------------------------------------

def write_template(file_obj):
    """Write the roster template: headers, an example row and a sheet of instructions."""
    workbook = xlsx.new_workbook()
    sheet = xlsx.add_sheet(workbook, DATA_SHEET)
    xlsx.append(sheet, [column.header for column in COLUMNS])
    xlsx.append(sheet, [column.example for column in COLUMNS])
    for index, column in enumerate(COLUMNS, start=1):
        letter = sheet.cell(1, index).column_letter
        sheet.cell(1, index).font = xlsx.Font(bold=True)
        sheet.cell(2, index).font = xlsx.Font(italic=True, color="808080")
        sheet.column_dimensions[letter].width = column.width
        if column.key in TEXT_COLUMNS:
            # Text, so that Excel keeps leading digits and does not turn ID numbers into
            # floating-point numbers that lose their last digits.
            sheet.column_dimensions[letter].number_format = "@"
            for row in range(2, 1002):
                sheet.cell(row, index).number_format = "@"
        if column.key == "head":
            choices = xlsx.DataValidation(type="list", formula1='"是,否"', allow_blank=True)
            choices.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
            sheet.add_data_validation(choices)
    sheet.freeze_panes = "A2"

    notes = xlsx.add_sheet(workbook, HELP_SHEET)
    xlsx.append(notes, [_("Column"), _("Required"), _("How to fill it in")])
    for column in COLUMNS:
        xlsx.append(notes, [column.header, _("yes") if column.required else "", column.help])
    xlsx.append(notes, [])
    for rule in (
        _("Row 1 holds the column names: keep them. Delete the grey example row."),
        _("Each row is one resident; a row without a name creates only the household."),
        _("If any row is wrong nothing is imported: the error list names each row and "
          "column, so fix them and import the whole file again."),
        _("Importing the same file again changes nothing. A known phone number with a "
          "changed name or household updates that resident."),
        _("At most %(rows)d rows and %(size)s per file.")
        % {"rows": MAX_ROWS, "size": filesizeformat(settings.TONGXIN_ROSTER_MAX_BYTES)},
    ):
        xlsx.append(notes, [rule])
    for cell in notes[1]:
        cell.font = xlsx.Font(bold=True)
    notes.column_dimensions["A"].width = 14
    notes.column_dimensions["B"].width = 8
    notes.column_dimensions["C"].width = 80
    for row in notes.iter_rows():
        for cell in row:
            cell.alignment = xlsx.Alignment(wrap_text=True, vertical="top")
    file_obj.write(xlsx.to_bytes(workbook))


def template_bytes():
    buffer = io.BytesIO()
    write_template(buffer)
    return buffer.getvalue()
