"""The roster upload page and the template download (people/roster.py does the work)."""

from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render

from tongxin.core import xlsx
from tongxin.kernel.errors import ServiceError
from tongxin.people import roster
from tongxin.people.roster_forms import RosterImportForm


@login_required
@permission_required("people.import_roster", raise_exception=True)
def roster_import(request):
    """Show the upload form; on POST import the roster and show the counts or the row errors."""
    roots = roster.importable_roots(request.user)
    form = RosterImportForm(request.POST or None, request.FILES or None, roots=roots)
    result = row_errors = None
    if request.method == "POST" and form.is_valid():
        try:
            result = roster.import_roster(
                form.cleaned_data["file"], root=form.selected_root(), by=request.user
            )
        except roster.RosterInvalid as invalid:
            form.add_error(None, invalid)
            row_errors = invalid.errors
        except ServiceError as error:
            form.add_error("file", error)
    return render(request, "people/roster_import.html", {
        "form": form, "roots": roots, "result": result, "row_errors": row_errors,
    })


@login_required
@permission_required("people.import_roster", raise_exception=True)
def roster_template(request):
    """Send the roster template workbook."""
    return xlsx.response(request, roster.template_bytes(), "roster-template.xlsx")
