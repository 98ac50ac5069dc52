"""Every Excel export writes what people typed as text, never as a formula (issue 16, item 5).

A note ``=HYPERLINK("http://evil.example/steal","查看办理详情")`` must reach the reader of
an export as the text typed, not as a live link. The exports are found, not listed by
hand: ``tongxin.core.xlsx`` is the only module that may import openpyxl or send the
workbook content type, and it sends a workbook only from a view an app declared
(``xlsx_exports`` in its manifest). This test fetches each declared export with hostile
text seeded in the fields people write, and refuses to run while an export has no way
of being fetched here.
"""

import ast
import io
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory
from django.urls import resolve, reverse
from openpyxl import load_workbook

from tongxin.core import xlsx
from tongxin.kernel import registry
from tongxin.kernel.registry import Column, PersonalData
from tongxin.matters import services as matter_services
from tongxin.matters.choices import Kind, Satisfaction, Status
from tongxin.matters.models import Inspection, Matter, Rating, Resolution
from tongxin.people.choices import Role
from tongxin.people.models import Person
from tongxin.privacy import services as privacy

pytestmark = pytest.mark.django_db

TONGXIN = Path(__file__).resolve().parents[2]

# OWASP's formula-injection starts, and the same behind a tab or a carriage return.
HOSTILE = [
    '=HYPERLINK("http://evil.example/steal","查看办理详情")',
    "+SUM(1,1)",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1,1)",
    "\t=1+1",
    "\r=1+1",
    "=cmd|' /C calc'!A0",
]
STARTS = ("=", "+", "-", "@", "\t", "\r")


def formulas(content):
    """Return the cells of a workbook that are stored as formulas, as (sheet, cell, value)."""
    book = load_workbook(io.BytesIO(content))
    return [(sheet.title, cell.coordinate, cell.value)
            for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
            if cell.data_type == "f" or (isinstance(cell.value, str)
                                          and cell.value.startswith("=")
                                          and cell.data_type != "s")]


def texts(content):
    book = load_workbook(io.BytesIO(content))
    return {cell.value for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
            if isinstance(cell.value, str)}


# --- the writer ----------------------------------------------------------------------------------


def test_the_writer_keeps_hostile_text_as_the_text_typed():
    book = xlsx.new_workbook()
    sheet = xlsx.table(book, "=sheet", [("=header", 10)], [[value] for value in HOSTILE])
    xlsx.append(sheet, HOSTILE)
    xlsx.put(sheet, 20, 1, "=1+1")
    content = xlsx.to_bytes(book)

    assert formulas(content) == []
    reloaded = load_workbook(io.BytesIO(content)).active
    column = [reloaded.cell(row, 1).value for row in range(2, 2 + len(HOSTILE))]
    typed = [value.replace("\r", "\n") for value in HOSTILE]  # as XML reads a CR back
    assert column == typed  # the reader sees exactly what was typed
    assert [c.value for c in reloaded[len(HOSTILE) + 2]] == typed
    assert reloaded["A1"].value == "=header" and reloaded["A20"].value == "=1+1"


def test_a_cell_set_around_the_writer_is_still_saved_as_text():
    book = xlsx.new_workbook()
    sheet = xlsx.add_sheet(book, "t")
    sheet["B2"] = '=HYPERLINK("http://evil.example")'  # styling code that forgot put()
    assert sheet["B2"].data_type == "f"

    assert formulas(xlsx.to_bytes(book)) == []


def test_characters_xml_cannot_hold_do_not_break_an_export():
    book = xlsx.new_workbook()
    sheet = xlsx.add_sheet(book, "t")
    xlsx.append(sheet, ["电动\x00车\x1b", 3, None, "长" * 40_000])
    row = load_workbook(io.BytesIO(xlsx.to_bytes(book))).active[1]

    assert row[0].value == "电动\ufffd车\ufffd"
    assert row[1].value == 3 and row[2].value is None
    assert len(row[3].value) == xlsx.MAX_CELL_TEXT


def test_a_workbook_is_sent_only_from_a_declared_export():
    request = RequestFactory().get("/privacy/")
    request.resolver_match = resolve(reverse("privacy:home"))
    with pytest.raises(ImproperlyConfigured):
        xlsx.response(request, b"", "x.xlsx")


# --- no export can go around the writer -----------------------------------------------------------


def shipped_modules():
    for path in sorted(TONGXIN.rglob("*.py")):
        relative = path.relative_to(TONGXIN)
        if "tests" in relative.parts or "migrations" in relative.parts:
            continue
        yield relative, path.read_text(encoding="utf-8")


def test_only_the_core_writer_imports_openpyxl_or_sends_the_workbook_type():
    offenders = []
    for relative, source in shipped_modules():
        if relative == Path("core/xlsx.py"):
            continue
        for node in ast.walk(ast.parse(source)):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            if any(name.split(".")[0] == "openpyxl" for name in names):
                offenders.append(f"{relative}: imports openpyxl")
        if "spreadsheetml" in source:
            offenders.append(f"{relative}: names the workbook content type")
    assert offenders == []


# --- every export, with hostile text where people write ----------------------------------------


@pytest.fixture
def hostile(world, new_matter):
    """Hostile text in every field people write that an export shows: the resident's name,
    a matter's title, description and contact, the timeline's notes, a rating's comment
    and an inspection's note; and hot issues made of such matters."""
    resident = world.resident
    Person.objects.filter(pk=resident.pk).update(full_name=HOSTILE[0][:64])
    staff = world.by_role[Role.GRID_WORKER]
    matters = [new_matter(title=f"{text}东门电动车乱停放堵住消防通道", description=text,
                          contact_name=text[:64], by=resident)
               for text in HOSTILE]
    for text in HOSTILE:
        new_matter(title=f"{text}东门电动车乱停放", description=f"{text}消防通道被堵",
                   by=world.neighbour)
    matter_services.triage(matters[0], by=staff, kind=Kind.IMMEDIATE, note=HOSTILE[0])
    resolution = Resolution.objects.create(matter=matters[1], what_was_done=HOSTILE[1],
                                           basis=HOSTILE[2], standard=HOSTILE[3],
                                           resolved_by=staff)
    Rating.objects.create(resolution=resolution, rater=resident,
                          satisfaction=Satisfaction.SATISFIED, comment=HOSTILE[4])
    Inspection.objects.create(resolution=resolution, inspector=resident, passed=True,
                              note=HOSTILE[5])
    Matter.objects.filter(pk=matters[1].pk).update(status=Status.CLOSED)
    from tongxin.hotspots import computing

    computing.compute_all()  # the hot-issue export reads the stored groups
    return matters


# How each declared export is fetched here: the role that may, and the URL's arguments.
FETCH = {
    "privacy:export": (Role.RESIDENT, ["xlsx"]),
    "hotspots:export": (Role.DISTRICT_OFFICER, []),
    "hotspots:reference_export": (Role.MEDIATOR, []),
    "people:roster_template": (Role.COMMUNITY_SECRETARY, []),
}
# The exports that show what people wrote: the hostile text must reach them.
SHOWS_HOSTILE_TEXT = {"privacy:export", "hotspots:export"}


def test_every_declared_export_is_fetched_here():
    assert set(FETCH) == registry.xlsx_exports()


@pytest.mark.parametrize("view", sorted(FETCH))
def test_no_export_stores_hostile_text_as_a_formula(client, world, hostile, view):
    role, args = FETCH[view]
    client.force_login(world.by_role[role])
    response = client.get(reverse(view, args=args))

    assert response.status_code == 200
    assert response["Content-Type"] == xlsx.CONTENT_TYPE
    assert formulas(response.content) == []
    if view in SHOWS_HOSTILE_TEXT:
        shown = texts(response.content)
        assert any(value.startswith(STARTS) for value in shown), view
        assert any(HOSTILE[0] in value for value in shown), view


def test_the_privacy_export_writes_every_column_of_every_section_as_text(world, monkeypatch):
    """Whatever a section declares, now or later: hostile text in every one of its columns."""
    def hostile_section(section):
        row = {column.key: HOSTILE[n % len(HOSTILE)] for n, column in enumerate(section.columns)}
        return PersonalData(section.key, section.title, columns=section.columns,
                            export=lambda person: row if section.record else [row, row],
                            order=section.order, record=section.record)

    sections = [hostile_section(s) for s in privacy.sections()]
    sections.append(PersonalData("extra", "=extra", columns=(Column("x", "=label"),),
                                 export=lambda person: [{"x": "@x"}]))
    monkeypatch.setattr(privacy, "sections", lambda: sections)
    content = privacy.export_xlsx(world.resident)

    assert formulas(content) == []
    assert {value.replace("\r", "\n") for value in HOSTILE} <= texts(content)
