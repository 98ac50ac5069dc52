"""Pages of smart triage's suggestions: the routing table with the suggester's models, and
the category hint residents see while they type a matter.

Views parse, authorise and call services (services.py); who may read or change the
table is in rules.py: the district governance office and system administrators keep
it, staff who work on matters read it, and everyone else gets a 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tongxin.kernel.errors import PermissionDenied, ServiceError
from tongxin.matters.categories import resident_kind_for, resident_kinds
from tongxin.matters.services import district_of
from tongxin.triage import runtime, services
from tongxin.triage.forms import RoutingRuleForm, TypedForm, handler_value
from tongxin.triage.models import RoutingRule, TriageModel
from tongxin.triage.rules import may_edit_routing, readable_districts

HISTORY = 5


def _district_or_404(user, code=None):
    if code and not code.isdecimal():  # codes are digits (PostgreSQL refuses a NUL byte)
        raise Http404
    districts = readable_districts(user)
    district = districts.filter(code=code).first() if code else districts.first()
    if district is None:
        raise Http404
    return district


def _table_url(district):
    return reverse("triage:routing") + f"?district={district.code}"


def _render_table(request, district, form=None, status=200):
    editor = may_edit_routing(request.user, district)
    rules = (RoutingRule.objects.filter(district=district)
             .select_related("category__parent__parent", "place", "department"))
    models = list(TriageModel.objects.filter(district=district).order_by("-version")[:HISTORY])
    return render(request, "triage/routing.html", {
        "district": district,
        "districts": readable_districts(request.user),
        "rules": rules,
        "editor": editor,
        "form": form or (RoutingRuleForm(district=district, auto_id="add_%s") if editor else None),
        "models": models,
        "active": next((m for m in models if m.is_active), None)
        or TriageModel.objects.filter(district=district, is_active=True).first(),
    }, status=status)


@login_required
@require_GET
def routing_table(request):
    """Show a district's routing table and its suggester's recent models."""
    return _render_table(request, _district_or_404(request.user, request.GET.get("district")))


def _refused(request, error, target):
    messages.error(request, " ".join(str(m) for m in error.messages))
    return redirect(target)


@login_required
@require_POST
def add_rule(request, code):
    district = _district_or_404(request.user, code)
    if not may_edit_routing(request.user, district):
        raise Forbidden(_("You may not change this district's routing table."))
    form = RoutingRuleForm(request.POST, district=district, auto_id="add_%s")
    if form.is_valid():
        try:
            services.create_rule(by=request.user, district=district, **form.service_arguments())
        except ServiceError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The routing rule is added."))
            return redirect(_table_url(district))
    messages.error(request, _("Please correct the form below."))
    return _render_table(request, district, form=form, status=400)


def _rule_or_404(user, pk):
    rule = (RoutingRule.objects.filter(pk=pk, district__in=readable_districts(user))
            .select_related("district", "category", "place", "department").first())
    if rule is None:
        raise Http404
    return rule


@login_required
def edit_rule(request, pk):
    """Change one rule (district staff only; readers get 403, everyone else 404)."""
    rule = _rule_or_404(request.user, pk)
    if not may_edit_routing(request.user, rule.district):
        raise Forbidden(_("You may not change this district's routing table."))
    status = 200
    if request.method == "POST":
        form = RoutingRuleForm(request.POST, district=rule.district)
        if form.is_valid():
            try:
                services.update_rule(rule, by=request.user, **form.service_arguments())
            except ServiceError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The routing rule is changed."))
                return redirect(_table_url(rule.district))
        status = 400
    else:
        form = RoutingRuleForm(district=rule.district, initial={
            "category": rule.category_id, "place": rule.place_id, "handler": handler_value(rule),
            "priority": rule.priority, "notes": rule.notes})
    return render(request, "triage/rule_form.html", {"rule": rule, "form": form}, status=status)


@login_required
@require_POST
def delete_rule(request, pk):
    rule = _rule_or_404(request.user, pk)
    district = rule.district
    try:
        services.delete_rule(rule, by=request.user)
    except PermissionDenied as error:
        raise Forbidden(str(error.messages[0])) from None
    messages.success(request, _("The routing rule is deleted."))
    return redirect(_table_url(district))


@login_required
@require_POST
def retrain(request, code):
    """Queue a retraining of the district's suggester."""
    district = _district_or_404(request.user, code)
    try:
        services.request_retraining(by=request.user, district=district)
    except PermissionDenied as error:
        raise Forbidden(str(error.messages[0])) from None
    messages.success(request, _("Retraining is queued; a new model is used only if it is no worse."))
    return redirect(_table_url(district))


@login_required
@require_GET
def raise_hint(request):
    """Return the categories the suggester reads in what a resident has typed (htmx)."""
    household = request.user.household
    if household is None:
        raise Http404
    title, description = TypedForm(request.GET).text()
    return render(request, "triage/_raise_suggestions.html",
                  {"suggestions": resident_suggestions(household, title, description),
                   "target": "id_category"})


def resident_suggestions(household, title, description):
    """Return the entries of the resident's short list of kinds (matters.categories) that
    the suggester reads in the text, best first: each chip is one of the list's options,
    named as the list names it. A suggestion outside the list's kinds is dropped."""
    if len(title) + len(description) < 6:
        return []
    district = district_of(household)
    suggested = runtime.suggest(district.pk, title, description, leaves_only=True)
    if not suggested:
        return []
    kinds = resident_kinds(district)
    chosen = []
    for item in suggested:
        kind = resident_kind_for(item.category, kinds)
        if kind is not None and kind not in chosen:
            chosen.append(kind)
    return chosen
