"""Hot-issue tables as Excel workbooks: bold header row, set widths, frozen header."""

from django.utils.translation import gettext as _

from tongxin.core import xlsx


def workbook(title, columns, rows):
    """Return an .xlsx file: ``columns`` are (header, width) pairs, ``rows`` lists of values.

    Residents' text stays text, never a formula (=HYPERLINK(...) and the like): core.xlsx.
    """
    book = xlsx.new_workbook()
    xlsx.table(book, title, columns, rows)
    return xlsx.to_bytes(book)


def _excerpt(text, limit):
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[:limit] + "…"


def _period(first, last):
    return f"{first:%Y-%m-%d} – {last:%Y-%m-%d}"


def reference_columns():
    return [(_("Rank"), 6), (_("Issue"), 32), (_("Place"), 16), (_("Period"), 24),
            (_("Messages"), 9), (_("Reporters"), 9), (_("Votes for"), 9),
            (_("Votes against"), 9), (_("Heat"), 8), (_("Representative message number"), 14),
            (_("Representative message"), 70), (_("All message numbers"), 40)]


def reference_workbook(rows):
    """Return the reference hot issues (reference.Row) as an .xlsx file."""
    return workbook(_("Hot issues"), reference_columns(), [
        [row.rank, row.label, row.place, _period(row.first, row.last), row.count,
         row.reporters, row.votes_for, row.votes_against, row.heat, row.number,
         f"{row.title}\n{_excerpt(row.text, 500)}", "、".join(row.members)]
        for row in rows
    ])


def district_columns():
    return [(_("Rank"), 6), (_("Issue"), 32), (_("Place"), 16), (_("Period"), 24),
            (_("Matters"), 8), (_("Reporters"), 9), (_("Supporters"), 9), (_("Heat"), 8),
            (_("Representative matter"), 14), (_("Title"), 40), (_("Status"), 16),
            (_("All matter numbers"), 40)]


def district_workbook(groups):
    """Return the district's hot issues (services.MatterGroup) as an .xlsx file; a group
    with more members than are listed ends its numbers with "… +N"."""
    return workbook(_("Hot issues"), district_columns(), [
        [g.rank, g.group.label, g.group.place, _period(g.group.first, g.group.last),
         g.group.count, g.group.reporters, g.group.supporters, g.group.heat,
         g.representative.number, g.representative.title,
         str(g.representative.get_status_display()),
         "、".join(m.number for m in g.matters) + (f" … +{g.more}" if g.more else "")]
        for g in groups
    ])
