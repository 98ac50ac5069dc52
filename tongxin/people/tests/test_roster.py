import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils.translation import override
from openpyxl import load_workbook

from tongxin.core.models import Event
from tongxin.core.xlsx import CONTENT_TYPE as XLSX
from tongxin.kernel.errors import ServiceError
from tongxin.people import roster
from tongxin.people.choices import Role
from tongxin.people.models import Person
from tongxin.people.roster import RosterInvalid, import_roster, importable_roots, parse_roster
from tongxin.people.services import assign_role, create_person
from tongxin.people.tests.roster_factory import (
    ENGLISH_HEADERS,
    HEADERS,
    good_rows,
    id_number,
    roster_bytes,
    roster_file,
    row,
)
from tongxin.places.choices import PlaceKind as K
from tongxin.places.models import Place
from tongxin.places.services import create_place

pytestmark = pytest.mark.django_db
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def counts():
    return Place.objects.count(), Person.objects.count(), Event.objects.count()


def cells(invalid):
    return {(error.row, error.column) for error in invalid.errors}


def refused(file_obj, root):
    """Import a roster that must fail; check nothing was stored and return the error."""
    before = counts()
    with pytest.raises(ServiceError) as error:
        import_roster(file_obj, root=root)
    assert counts() == before
    return error.value


# --- A good roster --------------------------------------------------------------------

def test_good_roster_imports_the_place_tree_households_and_residents(district):
    result = import_roster(roster_file(good_rows()), root=district)

    assert dict(result.places_created) == {
        K.STREET: 1, K.COMMUNITY: 1, K.COMPOUND: 2, K.GRID: 3, K.BUILDING: 3, K.HOUSEHOLD: 4,
    }
    assert (result.rows, result.people_created, result.people_updated) == (6, 5, 0)
    household = Place.objects.get(name="1单元101")
    assert [p.name for p in household.ancestors()] == [
        "西湖区", "西湖街道", "翠苑社区", "翠苑一区", "第一网格", "1号楼",
    ]
    assert household.code == "330106" "001" "001" "001" "01" "001" "0001"
    for place in Place.objects.exclude(parent=None):
        assert place.code.startswith(place.parent.code) and place.depth == place.parent.depth + 1
    wang = Person.objects.get(phone="13700000001")
    assert (wang.full_name, wang.household, wang.is_household_head) == ("王芳", household, True)
    assert Person.objects.get(phone="13700000002").id_number == id_number(1)
    assert not Person.objects.get(full_name="赵敏").is_household_head


def test_a_second_level_grid_is_written_with_a_slash(district):
    import_roster(roster_file(good_rows()), root=district)

    second = Place.objects.get(name="2-1网格")
    assert second.kind == K.GRID and second.parent.name == "第二网格"
    assert Person.objects.get(full_name="孙丽").household.parent.parent == second


def test_a_row_without_a_name_creates_only_the_household(district):
    import_roster(roster_file([row(full_name="", phone="", head="")]), root=district)

    assert Place.objects.filter(kind=K.HOUSEHOLD, name="1单元101").exists()
    assert not Person.objects.exists()


def test_existing_places_are_reused(district, make_places):
    household = make_places("西湖街道", "翠苑社区", "翠苑一区", "第一网格", "1号楼", "1单元101")

    result = import_roster(roster_file([row()]), root=district)

    assert not result.places_created
    assert Person.objects.get().household == household


def test_english_headers_and_spaced_phones_are_accepted(district):
    rows = [row(phone="137 0000 0001", head="yes")]
    import_roster(roster_file(rows, headers=ENGLISH_HEADERS), root=district)

    assert Person.objects.get(phone="13700000001").is_household_head


def test_every_success_is_recorded_once(district):
    import_roster(roster_file(good_rows()), root=district)

    assert Event.objects.filter(action="roster.imported").count() == 1
    assert Event.objects.filter(action="person.created").count() == 5


# --- Bad rows ---------------------------------------------------------------------------

def test_bad_rows_store_nothing_and_each_is_reported_with_row_and_column(district):
    rows = [
        row(),                                                        # row 2: fine
        row(full_name="钱一", phone="1370000000"),                    # row 3: short phone
        row(full_name="钱二", phone="13700000004",
            id_number=id_number(3)[:-1] + "0"),                       # row 4: bad checksum
        row(full_name="钱三", phone="13700000005", compound=""),      # row 5: no compound
        row(full_name="钱四", phone="13700000001"),                   # row 6: phone of row 2
        row(full_name="钱五", phone="13700000006", head="也许"),      # row 7: not 是/否
    ]
    invalid = refused(roster_file(rows), district)

    assert isinstance(invalid, RosterInvalid)
    assert cells(invalid) == {
        (3, "手机号码"), (4, "身份证号码"), (5, "小区"), (6, "手机号码"), (7, "是否户主"),
    }
    duplicate = next(error for error in invalid.errors if error.row == 6)
    assert "2" in duplicate.message


def test_row_errors_are_reported_in_chinese(district):
    rows = [row(phone="1370000000"), row(compound=""), row(head="也许")]
    with override("zh-hans"):
        invalid = refused(roster_file(rows), district)

    assert all(CHINESE.search(error.message) for error in invalid.errors)
    assert CHINESE.search(invalid.message)


def test_a_phone_of_another_person_is_refused(district, make_places):
    elsewhere = make_places("文新街道", "文新社区", "文新一区", "第一网格", "1号楼", "101")
    create_person(full_name="张小明", phone="13700000001", household=elsewhere)

    invalid = refused(roster_file([row()]), district)

    assert cells(invalid) == {(2, "手机号码")}


def test_a_phone_and_an_id_number_of_two_different_people_are_refused(district, make_places):
    household = make_places("西湖街道", "翠苑社区", "翠苑一区", "第一网格", "1号楼", "1单元101")
    create_person(full_name="王芳", phone="13700000001", household=household)
    create_person(full_name="周某", id_number=id_number(9), household=household)

    invalid = refused(roster_file([row(id_number=id_number(9))]), district)

    assert cells(invalid) == {(2, "身份证号码")}


def test_the_template_example_row_is_refused(district):
    invalid = refused(io.BytesIO(roster.template_bytes()), district)

    assert cells(invalid) == {(2, "姓名")}


def test_an_id_number_excel_turned_into_a_number_gets_a_hint(district):
    rows = [row(id_number=float(id_number(1)[:-1] + "1"))]
    invalid = refused(roster_file(rows), district)

    assert cells(invalid) == {(2, "身份证号码")}
    assert "文本" in invalid.errors[0].message  # "format the column as text", in Chinese


# --- Files that are not rosters --------------------------------------------------------

@pytest.mark.parametrize("content", [
    "姓名,手机号码\n王芳,13700000001\n".encode(),
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
    b"",
], ids=["csv", "pdf-renamed-xlsx", "empty"])
def test_a_file_that_is_not_excel_is_refused_clearly(district, content):
    error = refused(io.BytesIO(content), district)

    assert error.code == "roster_not_xlsx"
    assert ".xlsx" in error.message


SHEET = "xl/worksheets/sheet1.xml"


def with_part(content, name, edit):
    """Return the .xlsx ``content`` with its part ``name`` rewritten by ``edit(text)``."""
    source, out = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == name:
                data = edit(data.decode("utf-8")).encode("utf-8")
            target.writestr(info, data)
    return out.getvalue()


def declare(doctype):
    """Return an edit that puts ``doctype`` after the XML declaration, and uses &x; once."""
    def edit(text):
        head, _mark, rest = text.rpartition("?>")
        head = head + "?>" if head else ""
        return head + doctype + rest.replace("<t>王芳</t>", "<t>&x;</t>", 1)
    return edit


@pytest.mark.parametrize("name,doctype", [
    (SHEET, '<!DOCTYPE worksheet [<!ENTITY x "王芳">]>'),
    (SHEET, '<!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/passwd">]>'),
    (SHEET, '<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;'
            '&a;&a;"><!ENTITY x "&b;&b;&b;&b;&b;&b;&b;&b;">]>'),
    ("xl/workbook.xml", "<!DOCTYPE workbook>"),
    ("[Content_Types].xml", '<!DOCTYPE Types [<!ENTITY x "x">]>'),
], ids=["internal-entity", "external-entity", "nested-entities", "bare-doctype",
        "in-content-types"])
def test_a_workbook_declaring_entities_is_refused_clearly(district, name, doctype):
    content = with_part(roster_bytes([row()]), name, declare(doctype))

    error = refused(io.BytesIO(content), district)

    assert error.code == "roster_unsafe"
    assert ".xlsx" in error.message


def test_a_sheet_with_a_nonsense_cell_address_is_refused_clearly(district):
    content = with_part(roster_bytes([row()]), SHEET,
                        lambda text: text.replace('r="A2"', 'r="2A!"', 1))

    assert refused(io.BytesIO(content), district).code in ("roster_unsafe", "roster_not_xlsx")


def test_a_sheet_under_another_name_is_checked_too(district):
    """A relationship may point the sheet at any name: every XML part is read."""
    content = roster_bytes([row()])
    for name, edit in (
        ("xl/_rels/workbook.xml.rels", lambda text: text.replace("sheet1.xml", "sheet1.dat")),
        ("[Content_Types].xml", lambda text: text.replace("sheet1.xml", "sheet1.dat")),
        (SHEET, declare('  <!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/passwd">]>')),
    ):
        content = with_part(content, name, edit)
    source, out = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info.filename.replace("sheet1.xml", "sheet1.dat"),
                            source.read(info))

    assert refused(io.BytesIO(out.getvalue()), district).code == "roster_unsafe"


def test_a_sheet_whose_xml_breaks_halfway_is_refused_clearly(district):
    rows = [row(phone=f"137000000{n:02d}", full_name=f"王{n}") for n in range(1, 30)]
    content = with_part(roster_bytes(rows), SHEET,
                        lambda text: text.replace("</row>", "</rowx>", 20)[:-40])

    error = refused(io.BytesIO(content), district)

    assert error.code in ("roster_unsafe", "roster_not_xlsx")


def test_the_upload_page_refuses_an_entity_in_the_users_language(secretary_client):
    content = with_part(roster_bytes([row()]), SHEET,
                        declare('<!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/passwd">]>'))

    response = secretary_client.post(reverse("people:roster_import"),
                                     {"file": upload(content)}, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 200  # not the 500 of an undefined entity
    with override("zh-hans"):
        assert response.context["form"].errors["file"] == [roster._unsafe().message]


def test_a_file_over_the_size_limit_is_refused(district, settings):
    content = roster_bytes(good_rows())
    settings.TONGXIN_ROSTER_MAX_BYTES = len(content) - 1

    assert refused(io.BytesIO(content), district).code == "roster_too_big"


@pytest.mark.parametrize("rows,headers,code", [
    ([], HEADERS, "roster_empty"),
    ([], [], "roster_empty"),
    ([{"street": "备注 only"}], ["备注"], "roster_missing_columns"),
    ([row()], ["街道", "社区", "姓名"], "roster_missing_columns"),
], ids=["headers-only", "blank-sheet", "other-columns", "missing-columns"])
def test_an_empty_roster_or_one_without_its_columns_is_refused(district, rows, headers, code):
    assert refused(roster_file(rows, headers), district).code == code


def test_a_roster_over_the_row_limit_is_refused(district, monkeypatch):
    monkeypatch.setattr(roster, "MAX_ROWS", 2)

    assert refused(roster_file(good_rows()), district).code == "roster_too_many_rows"


def test_blank_lines_keep_the_row_numbers_excel_shows(district):
    rows = parse_roster(roster_file([row(), {}, row(full_name="钱一", phone="13700000009")]))

    assert [r.number for r in rows] == [2, 4]


# --- Importing again ----------------------------------------------------------------------

def test_importing_the_same_file_again_changes_nothing(district):
    content = roster_bytes(good_rows())
    import_roster(io.BytesIO(content), root=district)
    before = counts()

    result = import_roster(io.BytesIO(content), root=district)

    assert counts() == before
    assert not result.changed and result.rows_unchanged == 6


def test_an_edited_name_or_household_for_a_known_phone_updates_the_resident(district):
    import_roster(roster_file(good_rows()), root=district)
    edited = good_rows()
    edited[0]["full_name"] = "王芳芳"
    edited[1]["household"] = "1单元102"

    result = import_roster(roster_file(edited), root=district)

    assert (result.people_created, result.people_updated, result.rows_unchanged) == (0, 2, 4)
    assert Person.objects.get(phone="13700000001").full_name == "王芳芳"
    assert Person.objects.get(phone="13700000002").household.name == "1单元102"


def test_a_resident_imported_without_phone_gains_one_on_reimport(district):
    import_roster(roster_file([row(phone="")]), root=district)

    import_roster(roster_file([row()]), root=district)

    assert Person.objects.get().phone == "13700000001"


# --- Where an importer may import -------------------------------------------------------

def test_a_community_root_refuses_rows_of_other_communities_row_by_row(make_places):
    community = make_places("西湖街道", "翠苑社区")
    make_places("西湖街道", "文新社区")
    rows = [
        row(),
        row(community="文新社区", full_name="乙", phone="13700000012"),
        row(street="文新街道", full_name="丙", phone="13700000013"),
    ]

    invalid = refused(roster_file(rows), community)

    assert cells(invalid) == {(3, "社区"), (4, "街道")}


def test_a_resident_registered_outside_the_root_cannot_be_moved_in(make_places):
    community = make_places("西湖街道", "翠苑社区")
    elsewhere = make_places("西湖街道", "文新社区", "文新一区", "第一网格", "1号楼", "101")
    create_person(full_name="王芳", phone="13700000001", household=elsewhere)

    assert cells(refused(roster_file([row()]), community)) == {(2, "手机号码")}


def test_importable_roots_follow_the_roles(make_places, make_staff):
    community = make_places("西湖街道", "翠苑社区")
    grid = make_places("西湖街道", "翠苑社区", "翠苑一区", "第一网格")
    city = create_place(kind=K.CITY, name="杭州市", code="3301")
    districts = [create_place(kind=K.DISTRICT, name=name, parent=city) for name in ("甲", "乙")]

    assert importable_roots(make_staff(Role.COMMUNITY_SECRETARY, community)) == [community]
    assert importable_roots(make_staff(Role.GRID_WORKER, grid)) == []
    # A system administrator imports under districts, here also those of the city.
    assert importable_roots(make_staff(Role.SYSTEM_ADMIN, city)) == [
        *districts, Place.objects.get(code="330106"),
    ]


# --- The template ---------------------------------------------------------------------------

def test_the_template_has_the_columns_instructions_and_text_columns():
    workbook = load_workbook(io.BytesIO(roster.template_bytes()))
    sheet = workbook.worksheets[0]

    assert [c.value for c in sheet[1]] == [column.header for column in roster.COLUMNS]
    assert workbook.sheetnames[1] == "说明"
    assert sheet["H3"].number_format == "@" and sheet["I3"].number_format == "@"
    assert sheet["I2"].value == "11010519491231002X"


# --- The command line ----------------------------------------------------------------------

def test_the_command_imports_a_roster_and_prints_a_summary(district, tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(roster_bytes(good_rows()))
    out = io.StringIO()

    call_command("import_roster", str(path), language="en", stdout=out)

    assert Person.objects.count() == 5
    assert "Residents created: 5" in out.getvalue()


def test_the_command_prints_the_bad_rows_and_fails(district, tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(roster_bytes([row(), row(full_name="钱一", phone="123")]))
    err = io.StringIO()

    with pytest.raises(CommandError):
        call_command("import_roster", str(path), root=district.code, stderr=err)

    assert re.search(r"^3\t手机号码\t", err.getvalue(), re.M)
    assert not Person.objects.exists()


def test_the_command_refuses_a_file_that_is_not_excel(district, tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_text("not a spreadsheet")

    with pytest.raises(CommandError, match="xlsx"):
        call_command("import_roster", str(path), language="en")


def test_the_command_needs_a_root_when_there_are_several_districts(district, tmp_path):
    Place.objects.create(kind=K.DISTRICT, code="330105", name="拱墅区")
    path = tmp_path / "roster.xlsx"
    path.write_bytes(roster_bytes([row()]))

    with pytest.raises(CommandError, match="--root"):
        call_command("import_roster", str(path), language="en")


def test_the_command_writes_the_template(tmp_path):
    path = tmp_path / "template.xlsx"

    call_command("import_roster", write_template=str(path), stdout=io.StringIO())

    assert load_workbook(path).sheetnames == ["花名册", "说明"]


# --- The upload page -------------------------------------------------------------------------

def upload(rows, name="roster.xlsx"):
    content = rows if isinstance(rows, bytes) else roster_bytes(rows)
    return SimpleUploadedFile(name, content, content_type=XLSX)


def other_community_row():
    return row(community="文新社区", full_name="丙", phone="13700000013")


@pytest.fixture
def community(make_places):
    make_places("西湖街道", "文新社区")
    return make_places("西湖街道", "翠苑社区")


@pytest.fixture
def secretary(community, make_staff):
    return make_staff(Role.COMMUNITY_SECRETARY, community)


@pytest.fixture
def secretary_client(client, secretary):
    client.force_login(secretary)
    return client


def test_the_upload_page_offers_the_form_and_the_template(secretary_client):
    response = secretary_client.get(reverse("people:roster_import"))

    assert response.status_code == 200
    assert b'type="file"' in response.content
    assert reverse("people:roster_template").encode() in response.content


def test_a_community_secretary_imports_a_roster_of_their_community(
    secretary_client, secretary, community
):
    response = secretary_client.post(
        reverse("people:roster_import"), {"file": upload(good_rows())}
    )

    assert response.status_code == 200
    assert response.context["result"].people_created == 5
    assert Person.objects.get(phone="13700000001").household.is_within(community)
    assert Event.objects.filter(action="person.created", actor=secretary).count() == 5


def test_the_upload_page_refuses_rows_of_another_community_row_by_row(secretary_client):
    rows = good_rows() + [other_community_row()]
    before = counts()

    response = secretary_client.post(reverse("people:roster_import"), {"file": upload(rows)})

    assert response.status_code == 200
    assert [(e.row, e.column) for e in response.context["row_errors"]] == [(8, "社区")]
    assert "社区" in response.content.decode()
    assert counts() == before


def test_the_upload_page_refuses_a_pdf_renamed_xlsx(secretary_client):
    before = counts()

    response = secretary_client.post(
        reverse("people:roster_import"), {"file": upload(b"%PDF-1.4\n", name="roster.xlsx")}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert counts() == before


def test_the_upload_page_refuses_a_file_over_the_size_limit(secretary_client, settings):
    settings.TONGXIN_ROSTER_MAX_BYTES = 100

    response = secretary_client.post(
        reverse("people:roster_import"), {"file": upload(good_rows())}
    )

    assert response.context["form"].errors["file"]
    assert not Person.objects.filter(phone="13700000001").exists()


def test_a_street_officer_chooses_among_their_streets(client, community, make_places, make_staff):
    street = community.parent
    officer = make_staff(Role.STREET_OFFICER, street)
    assign_role(officer, role=Role.STREET_OFFICER, place=make_places("文新街道"))
    client.force_login(officer)

    response = client.post(reverse("people:roster_import"),
                           {"file": upload(good_rows()), "root": community.pk})
    assert response.context["form"].errors["root"]

    response = client.post(reverse("people:roster_import"),
                           {"file": upload(good_rows()), "root": street.pk})
    assert response.context["result"].people_created == 5


@pytest.mark.parametrize("role,level", [(Role.GRID_WORKER, 4), (Role.RESIDENT, 6)])
def test_grid_workers_and_residents_may_not_import(client, make_places, make_staff, role, level):
    path = ["西湖街道", "翠苑社区", "翠苑一区", "第一网格", "1号楼", "1单元101"]
    client.force_login(make_staff(role, make_places(*path[:level])))

    assert client.get(reverse("people:roster_import")).status_code == 403
    assert client.post(reverse("people:roster_import"),
                       {"file": upload(good_rows())}).status_code == 403
    assert client.get(reverse("people:roster_template")).status_code == 403
    assert not Person.objects.filter(phone="13700000001").exists()


def test_signed_out_visitors_are_sent_to_sign_in(client, db):
    response = client.get(reverse("people:roster_import"))

    assert response.status_code == 302 and reverse("people:login") in response.url


def test_the_template_downloads_as_a_workbook(secretary_client):
    response = secretary_client.get(reverse("people:roster_template"))

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert load_workbook(io.BytesIO(response.content)).sheetnames == ["花名册", "说明"]


def test_the_upload_page_lists_row_errors_in_chinese(secretary_client):
    rows = [row(phone="123")]

    response = secretary_client.post(
        reverse("people:roster_import"), {"file": upload(rows)}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )

    assert CHINESE.search(response.context["row_errors"][0].message)
