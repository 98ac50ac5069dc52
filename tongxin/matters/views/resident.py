"""Residents' matter pages: raise (说事) with "me too", my matters, the compound board (公示栏),
and the reporter's and representatives' judgement (评事: rate, reopen, inspect).

For the matter page (views/staff.py matter_detail): include "matters/_reporter_actions.html"
with the context that ``reporter_actions_context(matter, user)`` returns, e.g.

    context.update(reporter_actions_context(matter, request.user))

It holds ``show_reporter_actions``, ``rate_form``, ``reopen_form``, ``reporter_actions``
(the reporter's allowed actions) and ``reopen_until``. Without it the partial falls
back to the matter's status.

Views parse, authorise and call services; a refused call (ServiceError, TransitionError,
PermissionDenied) is shown as a message or on the form, never as a server error.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tongxin.core.masking import mask_name
from tongxin.core.ratelimit import Limited, limited, too_many
from tongxin.deadlines import policy
from tongxin.deadlines.choices import Stage
from tongxin.kernel.errors import ServiceError
from tongxin.matters import rules, selectors, services
from tongxin.matters.actions import perform
from tongxin.matters.choices import Status
from tongxin.matters.forms_resident import (
    ElderRateForm,
    InspectForm,
    RaiseForm,
    RateForm,
    ReopenForm,
    SimilarForm,
)
from tongxin.matters.models import Matter, Support
from tongxin.matters.views import elder
from tongxin.places.choices import PlaceKind
from tongxin.places.models import Place

PAGE_SIZE = 20
REPORTER_ACTIONS = ("rate_ok", "rate_unsatisfied", "reopen")


def reporter_actions_context(matter, user):
    """Return the context of "matters/_reporter_actions.html" for ``user`` on ``matter``."""
    actions = [a for a in selectors.offered_actions(matter, user) if a in REPORTER_ACTIONS]
    reopen_until = None
    if "reopen" in actions and matter.closed_at:
        reopen_until = policy.deadline(district=matter.district, stage=Stage.REOPEN_WINDOW,
                                       start=matter.closed_at, category=matter.category)
    return {
        "show_reporter_actions": bool(actions),
        "reporter_actions": actions,
        "rate_form": RateForm(auto_id="rate_%s"),
        "reopen_form": ReopenForm(auto_id="reopen_%s"),
        "reopen_until": reopen_until,
    }


def _household_or_403(user):
    """Return the user's household: raising and supporting are for residents."""
    if user.household_id is None:
        raise Forbidden(_("Only residents registered in a household can raise matters here."))
    return user.household


def _detail_url(matter):
    return reverse("matters:detail", args=[matter.pk])


def _is_htmx(request):
    return request.headers.get("HX-Request") == "true"


def _error_messages(request, errors):
    for error in errors:
        for message in getattr(error, "messages", [str(error)]):
            messages.error(request, message)


def _form_messages(request, form):
    for _field, errors in form.errors.items():
        for message in errors:
            messages.error(request, message)


# --- raise (说事) and "me too" -----------------------------------------------------------


@login_required
def raise_matter(request):
    """Let a resident raise a matter; a repeated submission of the same form files it once.

    The rate limit is the service's (one count for pages and API); a person over it is
    refused before the form and its photos are read.
    """
    _household_or_403(request.user)
    if request.method == "POST":
        try:
            services.check_raise_limit(request.user, request.POST.get("idempotency_key"))
        except Limited as error:
            return too_many(request, error)
        form = RaiseForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            try:
                matter = services.raise_matter(by=request.user, **form.service_arguments())
            except Limited as error:
                return too_many(request, error)
            except ServiceError as error:
                form.add_service_error(error)
            else:
                messages.success(request, _("Your matter %(number)s has been raised.")
                                 % {"number": matter.number})
                return redirect(_detail_url(matter))
    elif request.user.elder_mode:  # 长辈版: one step per screen
        return elder.raise_first_step(request)
    else:
        form = RaiseForm(user=request.user)
    return render(request, "matters/raise.html", {"form": form})


@login_required
def raise_step(request, step):
    """One screen of the elder mode's raise (views/elder.py); the standard form otherwise."""
    _household_or_403(request.user)
    if not request.user.elder_mode:
        return redirect("matters:raise")
    return elder.raise_step(request, step)


@login_required
@require_GET
def similar(request):
    """Return the open matters in the resident's compound that read like what they typed."""
    household = _household_or_403(request.user)
    text = SimilarForm(request.GET).text()
    found = []
    if len(text) >= 4:
        found = services.similar_open_matters(place=household.parent, text=text)
    supported = set(Support.objects.filter(person=request.user, matter__in=[m.pk for m in found])
                    .values_list("matter_id", flat=True)) if found else set()
    rows = [{"matter": m, "supported": m.pk in supported,
             "own": m.reporter_id == request.user.pk} for m in found]
    return render(request, "matters/_similar.html", {"rows": rows, "searched": bool(text)})


@login_required
@require_POST
@limited("support")
def support(request, pk):
    """Add the resident's "me too" to an open matter in their compound."""
    _household_or_403(request.user)
    matter = get_object_or_404(Matter.objects.select_related("place"), pk=pk)
    if not rules.may_raise_at(request.user, matter.place):
        raise Http404
    error = None
    if matter.reporter_id == request.user.pk:
        error = ServiceError("own_matter", _("You raised this matter yourself."))
    else:
        try:
            matter = services.support(matter, by=request.user)
        except ServiceError as refused:
            error = refused
    if _is_htmx(request):
        row = {"matter": matter, "supported": error is None or
               Support.objects.filter(matter=matter, person=request.user).exists(),
               "own": matter.reporter_id == request.user.pk, "error": error}
        return render(request, "matters/_support_button.html", {"row": row})
    if error is not None:
        _error_messages(request, [error])
    else:
        messages.success(request, _("Thank you: your support has been added."))
    target = request.POST.get("next", "")
    # Only a path on this site: anything else (a host, or a word redirect() would take
    # for a view name and fail to reverse) goes to the default.
    if not target.startswith("/") or not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        target = _detail_url(matter)
    return redirect(target)


# --- my matters -----------------------------------------------------------------------------


@login_required
@require_GET
def mine(request):
    """List the matters the user raised or supported, newest first."""
    page = Paginator(selectors.my_matters(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    if request.user.elder_mode:
        return elder.mine(request, page)
    return render(request, "matters/mine.html", {"page": page})


# --- the compound board (公示栏) and inspection (验收) -------------------------------------------


def _compound_of(matter):
    try:
        return services.owner_for(matter.place, PlaceKind.COMPOUND)
    except ServiceError:
        return None


def _public_name(matter):
    """Return the reporter's name as the board may show it: masked, and only with consent."""
    if not matter.publish_consent:
        return ""
    name = matter.reporter.full_name if matter.reporter_id else matter.contact_name
    return mask_name(name)


@login_required
@require_GET
def board(request, code):
    """Show the results published for a compound, without personal data unless agreed."""
    user = request.user
    if not code.isdecimal():  # codes are digits (PostgreSQL refuses a NUL byte in a query)
        raise Http404
    compound = get_object_or_404(Place, code=code, kind=PlaceKind.COMPOUND)
    if not rules.may_see_board(user, compound):
        raise Http404
    page = Paginator(selectors.board(compound, user), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for matter in page:
        resolution = matter.rounds[0] if matter.rounds else None
        may_inspect = "inspect_pass" in selectors.offered_actions(matter, user)
        rows.append({
            "matter": matter,
            "resolution": resolution,
            # The board is read by every resident of the compound: the public scrub.
            "title": selectors.public_title(matter),
            "result": selectors.public_result(matter, resolution),
            "name": _public_name(matter),
            "inspect_form": InspectForm(auto_id=f"inspect{matter.pk}_%s")
            if may_inspect and resolution and not resolution.mine else None,
            "inspected": bool(resolution and resolution.mine),
            "photos": selectors.result_photos(matter, resolution),
        })
    return render(request, "matters/board.html",
                  {"compound": compound, "page": page, "rows": rows})


@login_required
@require_GET
def boards(request):
    """Go to the board of one's compound: where one inspects results, or lives; list them
    when there are several."""
    compounds = list(rules.board_compounds(request.user))
    if not compounds:
        raise Http404
    if len(compounds) == 1:
        return redirect("matters:board", code=compounds[0].code)
    return render(request, "matters/boards.html", {"compounds": compounds})


@login_required
@require_POST
def inspect(request, pk):
    """Record a representative's inspection of a published result."""
    matter = (Matter.objects.select_related("place")
              .filter(pk=pk, published_at__isnull=False).first())
    compound = _compound_of(matter) if matter else None
    if compound is None or not rules.may_see_board(request.user, compound):
        raise Http404
    form = InspectForm(request.POST)
    if form.is_valid():
        try:
            perform("inspect", matter, request.user, form.cleaned_data)
        except ServiceError as error:
            _error_messages(request, [error])
        else:
            messages.success(request, _("Your inspection has been recorded."))
    else:
        _form_messages(request, form)
    return redirect(reverse("matters:board", args=[compound.code]) + f"#matter-{matter.pk}")


# --- the reporter's judgement (评事) -----------------------------------------------------------


def _own_view(request, pk):
    matter = selectors.matter_detail(request.user, pk)
    if matter is None:
        raise Http404
    return matter


@login_required
@require_http_methods(["GET", "POST"])
def rate(request, pk):
    """The reporter rates the result: satisfied closes it, unsatisfied sends it back.

    In the elder mode the rating is a screen of its own (GET), and a refused rating is
    shown there again; otherwise the matter page holds the form.
    """
    matter = _own_view(request, pk)
    on_screen = request.user.elder_mode
    if request.method == "GET":
        if not on_screen:
            return redirect(_detail_url(matter))
        return elder.rate_screen(request, matter)
    form = (ElderRateForm if on_screen else RateForm)(request.POST)
    if form.is_valid():
        try:
            matter = perform("rate", matter, request.user, form.cleaned_data)
        except ServiceError as error:
            if on_screen:
                form.add_service_error(error)
                return elder.rate_screen(request, matter, form)
            _error_messages(request, [error])
        else:
            if matter.status == Status.CLOSED:
                messages.success(request, _("Thank you for your rating: the matter is closed."))
            else:
                messages.success(
                    request, _("Thank you: the matter has been sent back to be put right."))
    elif on_screen:
        return elder.rate_screen(request, matter, form)
    else:
        _form_messages(request, form)
    return redirect(_detail_url(matter))


@login_required
@require_GET
def more(request, pk):
    """The reporter's other actions (其他操作) on a screen of their own (elder mode)."""
    return elder.more_screen(request, _own_view(request, pk))


@login_required
@require_POST
def reopen(request, pk):
    """The reporter reopens a closed matter within the district's window."""
    matter = _own_view(request, pk)
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            perform("reopen", matter, request.user, form.cleaned_data)
        except ServiceError as error:
            _error_messages(request, [error])
        else:
            messages.success(request, _("The matter has been reopened."))
    elif request.user.elder_mode:  # shown again on the screen it came from
        return elder.more_screen(request, matter, form)
    else:
        _form_messages(request, form)
    return redirect(_detail_url(matter))
