"""A person's own personal-data pages: what we hold, download it, ask for erasure.

Every page acts on ``request.user`` only; there is no parameter naming anyone else.
"""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from tongxin.core import audit, xlsx
from tongxin.privacy import services

CONFIRM_WORD = gettext_lazy("DELETE")


def confirm_words():
    """Accept the word shown on the page, in the page's language or its English source."""
    return {str(CONFIRM_WORD), "DELETE"}


@login_required
@require_GET
def home(request):
    data = services.personal_data(request.user)
    counts = [(str(s.title), len(data[s.key])) for s in services.sections() if not s.record]
    return render(request, "privacy/home.html", {"data": data, "counts": counts})


@login_required
@require_GET
def export(request, fmt):
    if fmt == "json":
        body = services.export_json(request.user)
    elif fmt == "xlsx":
        body = services.export_xlsx(request.user)
    else:
        raise Http404
    audit.record_export(request, request.user, what="my_data", format=fmt,
                        place=audit.PlaceOf(audit.home_code(request.user)))
    if fmt == "xlsx":
        return xlsx.response(request, body, "tongxin-my-data.xlsx")
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="tongxin-my-data.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def delete(request):
    error = ""
    if request.method == "POST":
        if request.POST.get("confirm", "").strip() in confirm_words():
            services.anonymise(request.user, by=request.user)
            logout(request)
            messages.success(request, _("Your personal data has been deleted and your account closed."))
            return redirect("people:login")
        error = _("Type the confirmation word exactly as shown.")
    return render(request, "privacy/delete.html", {
        "confirm_word": CONFIRM_WORD, "error": error,
    }, status=400 if error else 200)
