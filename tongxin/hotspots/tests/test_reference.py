"""The reference top-20 of the shipped messages_with_votes data set, its cache, its Excel
file and the ``hot_issues`` command."""

import io
import time
from datetime import datetime

import pytest
from django.core.management import call_command
from django.utils import translation
from openpyxl import load_workbook

from tongxin.hotspots import exports, grouping, reference
from tongxin.triage.datasets import rows as dataset_rows

HEADERS_EN = ["Rank", "Issue", "Place", "Period", "Messages", "Reporters", "Votes for",
              "Votes against", "Heat", "Representative message number",
              "Representative message", "All message numbers"]


@pytest.fixture(scope="module")
def computed():
    """Compute the table from the shipped data once for the module; note the CPU time."""
    started = time.process_time()
    rows = reference.compute()
    return rows, time.process_time() - started


def test_the_reference_top_20_is_produced_from_the_shipped_data(computed):
    rows, _seconds = computed
    assert len(rows) == 20
    assert [row.rank for row in rows] == list(range(1, 21))
    heats = [row.heat for row in rows]
    assert heats == sorted(heats, reverse=True) and heats[-1] > 0
    messages = {row["留言编号"]: row for row in dataset_rows("messages_with_votes")}
    for row in rows:
        assert row.count >= 1 and row.count == len(row.members) == len(set(row.members))
        assert row.label and row.first <= row.last
        assert row.number == row.members[0] and row.title == messages[row.number]["留言主题"].strip()
        assert row.votes_for == sum(int(messages[n]["点赞数"]) for n in row.members)
    assert max(row.count for row in rows[:5]) >= 20  # real hot issues draw many messages


def test_each_reference_issue_is_about_its_place(computed):
    rows, _seconds = computed
    messages = {row["留言编号"]: row for row in dataset_rows("messages_with_votes")}
    placed = [row for row in rows if row.place]
    assert len(placed) >= 15
    for row in placed:
        about = sum(row.place[-3:] in messages[n]["留言主题"] + messages[n]["留言详情"]
                    for n in row.members)
        assert about >= 0.6 * row.count, row  # most; others join through another place they share


def test_the_reference_excel_file_has_headers_widths_and_a_frozen_header(computed):
    rows, _seconds = computed
    with translation.override("en"):
        book = load_workbook(io.BytesIO(exports.reference_workbook(rows)))
    sheet = book.active
    assert [cell.value for cell in sheet[1]] == HEADERS_EN
    assert sheet.freeze_panes == "A2"
    assert sheet.max_row == 21
    assert sheet.column_dimensions["K"].width == 70
    first = [cell.value for cell in sheet[2]]
    assert first[0] == 1 and first[1] == rows[0].label and first[8] == rows[0].heat
    assert first[10].startswith(rows[0].title)


def test_text_that_looks_like_a_formula_stays_text():
    book = load_workbook(io.BytesIO(exports.workbook("t", [("A", 10)], [["=HYPERLINK(\"x\")"]])))
    cell = book.active["A2"]
    assert cell.value == '=HYPERLINK("x")' and cell.data_type == "s"


def fake_rows(top):
    when = datetime(2019, 5, 1, 8, 0)
    return tuple(reference.Row(
        rank=n, label=f"问题{n}", place="某小区", first=when, last=when, count=1, reporters=1,
        votes_for=0, votes_against=0, heat=float(10 - n), number=str(n), title=f"标题{n}",
        text="详情", members=(str(n),)) for n in range(1, top + 1))


@pytest.fixture
def counted_compute(settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path
    calls = []

    def compute(top=reference.TOP):
        calls.append(top)
        return fake_rows(top)

    monkeypatch.setattr(reference, "compute", compute)
    reference.table.cache_clear()
    yield calls
    reference.table.cache_clear()


def test_the_table_is_computed_once_and_then_read_from_the_cache(counted_compute):
    first = reference.table()
    assert reference.table() is first and counted_compute == [20]
    assert reference.cache_path().exists()
    reference.table.cache_clear()  # a new process
    assert reference.table() == first and counted_compute == [20]


def test_a_stale_or_broken_cache_is_recomputed(counted_compute, monkeypatch):
    reference.table()
    reference.table.cache_clear()
    monkeypatch.setattr(reference, "VERSION", reference.VERSION + 1)
    reference.table()
    assert counted_compute == [20, 20]
    reference.table.cache_clear()
    reference.cache_path().write_text("{not json")
    assert reference.table() == fake_rows(20) and counted_compute == [20, 20, 20]
    reference.forget()
    assert not reference.cache_path().exists()


def test_the_command_prints_the_table_and_writes_excel(counted_compute, tmp_path, capsys):
    target = tmp_path / "hot.xlsx"
    call_command("hot_issues", "--top", "3", "--xlsx", str(target), "--language", "en")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split("\t")[:3] == ["Rank", "Heat", "Messages"]
    assert [line.split("\t")[0] for line in lines[1:4]] == ["1", "2", "3"]
    assert "问题1" in lines[1] and lines[-1].startswith("Written to")
    sheet = load_workbook(target).active
    assert sheet.max_row == 4 and sheet["B2"].value == "问题1"


def test_the_command_refuses_a_silly_top(counted_compute):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("hot_issues", "--top", "0")
    assert counted_compute == []


def test_reading_the_items_keeps_votes_and_times(computed):
    items = reference.items()
    assert len(items) == 4326
    assert all(isinstance(item.at, datetime) and item.votes_for >= 0 for item in items)
    assert grouping.Item in {type(item) for item in items}
