"""The 长辈版 (elder mode, Person.elder_mode) of the resident's matter pages: one action
per screen, in plain words, without JavaScript.

说事 goes one step per screen: what is wrong (one text, spoken or typed), where, a photo
(optional), then check and send. What each step accepted is kept in the person's session
(a draft: text and choices, and a signed token naming the photos held by held_photos.py);
nothing is filed until the last screen is sent, and then through services.raise_matter
with the draft's idempotency key and the person's rate limit, as the standard form does.
The category is left to the grid worker (the residents' "leave it to the grid worker"
kind); a district without that list gets a step choosing the category.

我的诉求 is a list of big cards with plain status words; the matter page shows the one
action that matters now (评价 when the result waits for a rating) and puts the others
behind 其他操作, a screen of their own; 评价 is a screen of its own too.
"""

import uuid

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from tongxin.core.ratelimit import Limited, too_many
from tongxin.kernel.errors import ServiceError
from tongxin.matters import held_photos, selectors, services
from tongxin.matters.categories import resident_kinds
from tongxin.matters.choices import Status
from tongxin.matters.forms_resident import (
    ElderRaiseStepForm,
    ElderRateForm,
    ElderSendForm,
    ReopenForm,
    elder_title,
)

DRAFT = "elder_raise"
REPORTER_ACTIONS = ("rate_ok", "rate_unsatisfied", "reopen")

STEP_TITLES = {
    "what": gettext_lazy("What is wrong?"),
    "where": gettext_lazy("Where is it?"),
    "kind": gettext_lazy("What kind of problem is it?"),
    "photos": gettext_lazy("A photo?"),
    "check": gettext_lazy("Is this right?"),
}


# --- plain words -------------------------------------------------------------------------------


def plain_status(matter, user):
    """Return the status of ``matter`` as the elder mode says it: a few plain words."""
    status = matter.status
    if status == Status.NEW:
        return pgettext("plain status", "Received")
    if status == Status.RESOLVED:
        if matter.reporter_id == user.pk:
            return pgettext("plain status", "Done: please rate it")
        return pgettext("plain status", "Done")
    if status == Status.CLOSED:
        return pgettext("plain status", "Finished")
    if status == Status.CLOSED_UNSOLVED:
        return pgettext("plain status", "Finished, but not solved")
    if status == Status.REJECTED:
        return pgettext("plain status", "Not taken up")
    if status == Status.MERGED:
        return pgettext("plain status", "Handled together with the same problem")
    return pgettext("plain status", "Being done")


# --- 说事, one step per screen -----------------------------------------------------------------


def _leave_it_category(user):
    kinds = resident_kinds(services.district_of(user.household.parent))
    return kinds[-1].category if kinds and kinds[-1].leave_it else None


def _steps(user):
    steps = ["what", "where", "photos", "check"]
    if _leave_it_category(user) is None:
        steps.insert(2, "kind")
    return steps


def _new_draft(request):
    draft = {"key": uuid.uuid4().hex, "done": False}
    request.session[DRAFT] = draft
    return draft


def _draft(request):
    draft = request.session.get(DRAFT)
    return draft if isinstance(draft, dict) and "key" in draft else None


def _save(request, draft):
    request.session[DRAFT] = draft
    request.session.modified = True


def _step_url(name):
    return reverse("matters:raise_step", args=[name])


def _missing(draft, steps):
    """Return the first step whose answer the draft lacks, or None."""
    needed = {"what": "description", "where": "place", "kind": "category"}
    for name in steps:
        if name in needed and not draft.get(needed[name]):
            return name
    return None


def _initial(draft, name):
    field = ElderRaiseStepForm.STEP_FIELDS.get(name, ())
    return {f: draft[f] for f in field if draft.get(f)}


def _render_step(request, name, steps, draft, form, status=200):
    index = steps.index(name)
    context = {
        "form": form,
        "step": name,
        "step_number": index + 1,
        "step_count": len(steps),
        "step_title": STEP_TITLES[name],
        "back_url": _step_url(steps[index - 1]) if index else reverse("core:home"),
        "action": _step_url(name),
        "held_count": held_photos.held_count(draft.get("photos"), by=request.user, matter=None),
    }
    if name == "check":
        where = ElderRaiseStepForm(user=request.user, step="where")
        context["summary"] = {
            "description": draft.get("description", ""),
            "place": where.place_label(draft.get("place")),
        }
    return render(request, "matters/elder_raise_step.html", context, status=status)


def raise_first_step(request):
    """Show the first step of a new raise (or of the one under way), at the raise page."""
    draft = _draft(request)
    if draft is None or draft.get("done"):
        draft = _new_draft(request)
    steps = _steps(request.user)
    return _render_step(request, "what", steps, draft,
                        ElderRaiseStepForm(user=request.user, step="what",
                                           initial=_initial(draft, "what")))


def raise_step(request, name):
    """Show one step of the elder mode's raise, or take its answer and go on to the next."""
    steps = _steps(request.user)
    if name not in steps:
        raise Http404
    draft = _draft(request)
    if draft and draft.get("done") and name == "check" and request.method == "POST":
        return _send(request, steps, draft)  # sent again: the service returns the first matter
    if draft is None or draft.get("done"):
        draft = _new_draft(request)
    missing = _missing(draft, steps[:steps.index(name)])
    if missing:
        return redirect(_step_url(missing))
    if name == "check":
        if request.method == "POST":
            return _send(request, steps, draft)
        return _render_step(request, name, steps, draft, ElderSendForm())
    if request.method != "POST":
        form = ElderRaiseStepForm(user=request.user, step=name, initial=_initial(draft, name))
        return _render_step(request, name, steps, draft, form)

    form = ElderRaiseStepForm(request.POST, request.FILES, user=request.user, step=name)
    if form.is_valid():
        data = form.cleaned_data
        if name == "photos":
            if data["photos"]:
                try:
                    token = held_photos.hold_photos(data["photos"], by=request.user, matter=None)
                except ServiceError as error:
                    form.add_service_error(error)
                    return _render_step(request, name, steps, draft, form)
                held_photos.release_held(draft.get("photos"), by=request.user, matter=None)
                draft["photos"] = token
        elif name == "kind":
            draft["category"] = data["category"].pk
        else:
            draft.update(data)
        _save(request, draft)
        return redirect(_step_url(steps[steps.index(name) + 1]))
    return _render_step(request, name, steps, draft, form)


def _send(request, steps, draft):
    """File the draft through the service: once, however often the last screen is sent."""
    user = request.user
    form = ElderSendForm(request.POST)
    try:
        services.check_raise_limit(user, draft["key"])
    except Limited as error:
        return too_many(request, error)
    form.is_valid()
    try:
        photos = () if draft.get("done") else (
            held_photos.held_photos(draft["photos"], by=user, matter=None)
            if draft.get("photos") else ())
        where = ElderRaiseStepForm(user=user, step="where")
        category = _leave_it_category(user)
        if category is None:
            category = ElderRaiseStepForm(
                {"category": draft.get("category")}, user=user, step="kind")
            category = category.cleaned_data["category"] if category.is_valid() else None
        matter = services.raise_matter(
            by=user, title=elder_title(draft.get("description", "")),
            description=draft.get("description", ""), category=category,
            place=where.place_for(draft.get("place")), photos=photos,
            idempotency_key=draft["key"])
    except Limited as error:
        return too_many(request, error)
    except ServiceError as error:
        form.add_service_error(error)
        return _render_step(request, "check", steps, draft, form)
    if not draft.get("done"):
        held_photos.release_held(draft.get("photos"), by=user, matter=None)
        draft.update(done=True, photos="")
        _save(request, draft)
        messages.success(request, _("Sent. The community has received it and will tell you "
                                    "what happens next."))
    return redirect("matters:detail", pk=matter.pk)


# --- 我的诉求, the matter page, 评价 and 其他操作 ---------------------------------------------------


def mine(request, page):
    rows = [{"matter": matter, "status": plain_status(matter, request.user)} for matter in page]
    return render(request, "matters/elder_mine.html", {"page": page, "rows": rows})


def shows_elder_detail(user, context):
    """Whether the matter page is the elder mode's: a resident's, with no staff forms."""
    return bool(user.elder_mode and not context["staff"] and not context["action_forms"]
                and not context["my_whistles"])


def detail_context(matter, user, reporter_actions):
    """Add the elder mode's matter page: the plain status, the one action, the others."""
    main = "rate" if "rate_ok" in reporter_actions else None
    others = [a for a in reporter_actions if a not in ("rate_ok", "rate_unsatisfied")]
    return {"plain_status": plain_status(matter, user), "main_action": main,
            "other_actions": others}


def rate_screen(request, matter, form=None):
    """评价 on a screen of its own; back to the matter page when there is nothing to rate."""
    if "rate_ok" not in selectors.offered_actions(matter, request.user):
        return redirect("matters:detail", pk=matter.pk)
    return render(request, "matters/elder_rate.html",
                  {"matter": matter, "form": form or ElderRateForm()})


def more_screen(request, matter, reopen_form=None):
    """The reporter's other actions (其他操作), on a screen of their own."""
    actions = [a for a in selectors.offered_actions(matter, request.user)
               if a in REPORTER_ACTIONS and a not in ("rate_ok", "rate_unsatisfied")]
    return render(request, "matters/elder_more.html", {
        "matter": matter, "actions": actions,
        "reopen_form": reopen_form or ReopenForm() if "reopen" in actions else None,
    })
