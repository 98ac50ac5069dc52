"""Staff pages of the matter loop: the inbox (听事), the list, a matter's page with its
timeline and the actions the user may take now (办事), department report-in and answers
(吹哨报到), and recording a matter on a resident's behalf.

Views parse, authorise and call ``services``; they never set a status themselves.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tongxin.core.masking import mask_phone
from tongxin.core.ratelimit import Limited, too_many
from tongxin.kernel import registry
from tongxin.kernel.errors import PermissionDenied, ServiceError
from tongxin.matters import forms_staff as forms
from tongxin.matters import rules, selectors, services
from tongxin.matters.actions import ACTIONS, PAGE_ACTIONS, WHISTLE_ACTIONS
from tongxin.matters.audit import record_reporter_read
from tongxin.matters.choices import WhistleStatus
from tongxin.matters.models import Matter, Photo, Whistle
from tongxin.matters.services import TransitionError
from tongxin.matters.transitions import TRANSITIONS
from tongxin.matters.views import elder
from tongxin.matters.views.resident import reporter_actions_context

PAGE_SIZE = 50


def _action_form(action, matter, user, data=None, files=None):
    return ACTIONS[action].form(data, files, matter=matter, user=user,
                                auto_id=f"id_{action}_%s")


def _service_error_text(error):
    return " ".join(str(m) for m in error.messages)


# --- the inbox (听事) ----------------------------------------------------------------------------


def _whistle_rows(whistles, bound=None):
    bound = bound or {}
    rows = []
    for whistle in whistles:
        report_form = None
        if whistle.status == WhistleStatus.WHISTLED:
            report_form = bound.get((whistle.pk, "report_in")) or forms.ReportInForm(
                auto_id=f"id_w{whistle.pk}_report_%s")
        answer_form = bound.get((whistle.pk, "answer")) or forms.AnswerForm(
            auto_id=f"id_w{whistle.pk}_answer_%s")
        rows.append({"whistle": whistle, "report_form": report_form, "answer_form": answer_form})
    return rows


def _render_inbox(request, bound=None, status=200):
    now = timezone.now()
    waiting = selectors.inbox(request.user, now=now, parked_limit=PAGE_SIZE)
    context = {"handles": waiting.handles, "whistle_rows": _whistle_rows(waiting.whistles, bound),
               "now": now}
    if waiting.handles:
        page = selectors.CappedPaginator(waiting.matters, PAGE_SIZE).get_page(
            request.GET.get("page"))
        context["page"] = page
        context["cards"] = selectors.inbox_cards(page.object_list, request.user, now=now)
        context["parked"] = waiting.parked
        context["parked_cards"] = selectors.inbox_cards(waiting.parked, request.user, now=now)
    return render(request, "matters/inbox.html", context, status=status)


@login_required
@permission_required("matters.view_inbox", raise_exception=True)
def inbox(request):
    """Show what waits for the user: matters their places own, overdue first; whistles to
    their department not yet answered."""
    return _render_inbox(request)


# --- the list -----------------------------------------------------------------------------------


@login_required
@permission_required("matters.list_matters", raise_exception=True)
def matter_list(request):
    """List the matters the user may see, filtered; a constant number of queries per page."""
    now = timezone.now()
    form = forms.MatterFilterForm(request.GET or None, user=request.user)
    matters = selectors.matter_list(request.user, filters=form.filters(), now=now)
    counted = selectors.capped_count(matters)
    if "page" in request.GET and not {"after", "before"} & set(request.GET):
        # Numbered pages (older links), within the counted rows.
        page = selectors.CappedPaginator(matters, PAGE_SIZE, counted=counted).get_page(
            request.GET.get("page"))
    else:
        # Newer / older by the rows' (created_at, pk): no offset, no matter how deep.
        page = selectors.keyset_page(
            matters, after=selectors.decode_cursor(request.GET.get("after")),
            before=selectors.decode_cursor(request.GET.get("before")), size=PAGE_SIZE)
    page.object_list = selectors.with_places(page.object_list)
    query = request.GET.copy()
    for key in ("page", "after", "before"):
        query.pop(key, None)
    return render(request, "matters/list.html", {
        "form": form, "page": page, "counted": counted, "query": query.urlencode(), "now": now,
    })


# --- one matter ---------------------------------------------------------------------------------


def _visible_matter(user, pk):
    matter = selectors.matter_detail(user, pk)
    if matter is None:
        raise Http404
    return matter


def _reporter_context(matter, user):
    """What the reporter may do here (rate, reopen), from the residents' pages."""
    extra = dict(reporter_actions_context(matter, user) or {})
    extra["show_reporter_actions"] = bool(extra.pop("show_reporter_actions", bool(extra)))
    return extra


def _triage_suggestions(matter, allowed):
    """Smart triage's top-3 categories and routed handler, for the hear and recategorise forms."""
    suggest = registry.hook("matters.category_suggestions")  # declared by triage
    if suggest is None or not {"triage", "recategorise"} & set(allowed):
        return None
    return suggest(matter)


def _render_detail(request, matter, bound=None, status=200):
    user = request.user
    bound = bound or {}
    whistles = selectors.whistles_of(matter)
    staff = rules.sees_internal(user, matter, whistles)
    photos = list(Photo.objects.filter(
        Q(event__isnull=True) | Q(event__action="raised"), matter=matter).order_by("pk"))
    allowed = services.allowed_actions(matter, user)
    offered = set(selectors.offered_actions(matter, user))
    action_forms = [
        {"action": action, "label": TRANSITIONS[action].label,
         "form": bound.get(action) or _action_form(action, matter, user),
         "open": action in bound}
        for action in PAGE_ACTIONS if action in offered
    ]
    department_ids = rules.department_ids(user)
    my_whistles = [w for w in whistles if w.department_id in department_ids]
    for w in my_whistles:
        w.forms = {
            "report_form": forms.ReportInForm(auto_id=f"id_w{w.pk}_report_%s")
            if w.status == WhistleStatus.WHISTLED else None,
            "answer_form": forms.AnswerForm(auto_id=f"id_w{w.pk}_answer_%s"),
        }
    reporter = selectors.reporter_block(matter, user, staff=staff)
    record_reporter_read(request, matter, reporter)
    context = {
        "matter": matter,
        "staff": staff,
        "reporter": reporter,
        "address": matter.place.full_name,
        "photos": photos,
        "whistles": whistles,
        "my_whistles": my_whistles,
        "resolutions": selectors.results_as_seen(matter, user),
        "timeline": selectors.timeline_as_seen(matter, user, internal=staff),
        "action_forms": action_forms,
        "show_reporter_actions": False,
        "triage": _triage_suggestions(matter, allowed),
    }
    context.update(_reporter_context(matter, user))
    if elder.shows_elder_detail(user, context):  # 长辈版: the one action that matters now
        context.update(elder.detail_context(matter, user, context.get("reporter_actions") or []))
        return render(request, "matters/elder_detail.html", context, status=status)
    return render(request, "matters/detail.html", context, status=status)


@login_required
def matter_detail(request, pk):
    """Show a matter the user may see, its timeline, and the actions open to them now."""
    return _render_detail(request, _visible_matter(request.user, pk))


@login_required
@require_POST
def matter_act(request, pk, action):
    """Take one action on a matter: check it is allowed now, parse its form, call the service."""
    matter = _visible_matter(request.user, pk)
    if action not in PAGE_ACTIONS:
        raise Http404
    try:
        services.guard(matter, action, request.user)
    except PermissionDenied as error:
        messages.error(request, _service_error_text(error))
        return _render_detail(request, matter, status=403)
    except TransitionError as error:
        messages.error(request, _service_error_text(error))
        return _render_detail(request, matter, status=409)
    form = _action_form(action, matter, request.user, request.POST, request.FILES)
    if form.is_valid():
        try:
            ACTIONS[action].perform(matter, request.user, form.cleaned_data)
        except PermissionDenied as error:
            messages.error(request, _service_error_text(error))
            return _render_detail(request, _visible_matter(request.user, pk), status=403)
        except ServiceError as error:
            form.add_error(None, error)
        else:
            if hasattr(form, "release"):  # photos kept across a confirmation are published
                form.release()
            messages.success(request, ACTIONS[action].done)
            if Matter.objects.visible_to(request.user).filter(pk=pk).exists():
                return redirect("matters:detail", pk=pk)
            return redirect("matters:inbox")
    messages.error(request, _("Please correct the form below."))
    return _render_detail(request, _visible_matter(request.user, pk),
                          bound={action: form}, status=400)


@login_required
def photo(request, pk):
    """Stream a matter's photo to someone who may see the matter, or a result's photo to
    someone who may see the board it is published on (never a public URL)."""
    item = Photo.objects.select_related("event", "matter__place").filter(pk=pk).first()
    if item is None or not (
            Matter.objects.visible_to(request.user).filter(pk=item.matter_id).exists()
            or rules.may_see_result_photo(request.user, item)):
        raise Http404
    response = FileResponse(item.image.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- departments report in and answer (吹哨报到) ----------------------------------------------


# The part of each whistle form's field ids (id_w<pk>_<part>_<field>).
WHISTLE_FORM_IDS = {"report_in": "report", "answer": "answer"}


@login_required
@require_POST
def whistle_act(request, pk, action):
    """A whistled department reports in or answers."""
    if action not in WHISTLE_ACTIONS:
        raise Http404
    item = Whistle.objects.filter(pk=pk, department_id__in=rules.department_ids(request.user)).first()
    if item is None:
        raise Http404
    dispatch = WHISTLE_ACTIONS[action]
    form = dispatch.form(request.POST, auto_id=f"id_w{pk}_{WHISTLE_FORM_IDS[action]}_%s")
    if form.is_valid():
        try:
            dispatch.perform(item, request.user, form.cleaned_data)
        except PermissionDenied as error:
            messages.error(request, _service_error_text(error))
            return _render_inbox(request, status=403)
        except ServiceError as error:
            form.add_error(None, error)
        else:
            messages.success(request, dispatch.done)
            if request.POST.get("back") == "detail":
                return redirect("matters:detail", pk=item.matter_id)
            return redirect("matters:inbox")
    messages.error(request, _("Please correct the form below."))
    return _render_inbox(request, bound={(item.pk, action): form}, status=400)


# --- record on a resident's behalf --------------------------------------------------------------


def _resident_rows(people, checked=None):
    return [
        {"person": person, "phone": mask_phone(person.phone),
         "address": " ".join(filter(None, [getattr(person.household.parent, "name", ""),
                                           person.household.name])),
         "checked": checked is not None and person.pk == checked.pk}
        for person in people
    ]


def _render_record(request, form, results=(), searched=False, status=200, **place_picker):
    return render(request, "matters/record.html", {
        "form": form, "results": results, "searched": searched,
        "matter_fields": [form[name] for name in RECORD_MATTER_FIELDS],
        "places": forms.record_places(request.user),
        **place_picker,
    }, status=status)


def _place_picker(user, term="", pick=None):
    """The place picker's context: what a name search found, or the place picked."""
    if pick is not None:
        return {"chosen": forms.picked_place(user, pick)}
    return {"place_results": forms.search_places(user, term), "place_searched": bool(term.strip()),
            "place_q": term}


RECORD_MATTER_FIELDS = ["title", "description", "category", "emergency", "publish_consent",
                        "photos"]


@login_required
@permission_required("matters.record_for_others", raise_exception=True)
@require_GET
def record_places(request):
    """The place picker of the record page (htmx): places found by name within the user's
    area, or, with ``pick``, the place field filled in with the picked place's code."""
    user = request.user
    if "pick" in request.GET:
        picker = _place_picker(user, pick=request.GET["pick"])
        initial = {"place": picker["chosen"][0].code} if picker["chosen"] else {}
        return render(request, "matters/_record_place.html",
                      {"form": forms.RecordForm(initial=initial, user=user), **picker})
    return render(request, "matters/_place_results.html",
                  _place_picker(user, request.GET.get("place_q", "")[:64]))


@login_required
@permission_required("matters.record_for_others", raise_exception=True)
def record(request):
    """Record a matter heard offline (visit, hall, hotline …) for a resident or a walk-in.

    The rate limit is the service's (one count for pages and API).
    """
    user = request.user
    if request.method == "GET":
        term = request.GET.get("q", "")
        if request.headers.get("HX-Request") and "q" in request.GET:
            return render(request, "matters/_resident_results.html", {
                "results": _resident_rows(forms.search_residents(user, term)), "searched": True})
        return _render_record(request, forms.RecordForm(user=user))
    if "find" in request.POST:
        # Without JavaScript the search button posts the form back: show the results and
        # keep what was typed, but save nothing.
        form = forms.RecordForm(initial=request.POST.dict(), user=user)
        people = forms.search_residents(user, request.POST.get("q"))
        return _render_record(request, form, _resident_rows(people), searched=True)
    if "find_place" in request.POST or "pick_place" in request.POST:
        # The place picker without JavaScript: find places by name, or take the one picked.
        initial = request.POST.dict()
        picker = _place_picker(user, request.POST.get("place_q", ""),
                               request.POST.get("pick_place"))
        if picker.get("chosen"):
            initial["place"] = picker["chosen"][0].code
        return _render_record(request, forms.RecordForm(initial=initial, user=user), **picker)
    try:
        services.check_raise_limit(user, request.POST.get("idempotency_key"))
    except Limited as error:
        return too_many(request, error)
    form = forms.RecordForm(request.POST, request.FILES, user=user)
    if form.is_valid():
        d = form.cleaned_data
        try:
            matter = services.raise_matter(
                by=user, title=d["title"], description=d["description"], category=d["category"],
                place=d["place"], reporter=d["reporter"], channel=d["channel"], level=d["level"],
                publish_consent=d["publish_consent"], contact_name=d["contact_name"],
                contact_phone=d["contact_phone"], emergency=d["emergency"], photos=d["photos"],
                idempotency_key=d["idempotency_key"],
            )
        except Limited as error:
            return too_many(request, error)
        except ServiceError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Matter %(number)s is recorded.")
                             % {"number": matter.number})
            return redirect("matters:detail", pk=matter.pk)
    chosen = form.cleaned_data.get("reporter")
    return _render_record(request, form, _resident_rows([chosen], chosen) if chosen else [],
                          status=400)
