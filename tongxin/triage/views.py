"""Pages of smart triage: suggestions, the routing table and the reply check."""

from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from tongxin.kernel.errors import ServiceError
from tongxin.matters import services
from tongxin.matters.models import Matter, Resolution
from tongxin.triage import replies

# -- reply check: the live check while a handler writes a result, the reply-time baseline --

REPLY_FIELDS = ("what_was_done", "basis", "standard")


@login_required
@require_POST
def reply_check(request, pk):
    """Check a result as the handler types it (htmx): the warnings the form would give."""
    matter = Matter.objects.visible_to(request.user).filter(pk=pk).first()
    if matter is None:
        raise Http404
    try:
        services.guard(matter, "resolve", request.user)
    except ServiceError as error:
        return render(request, "triage/reply_findings.html",
                      {"refused": " ".join(str(m) for m in error.messages)}, status=403)
    text = {name: request.POST.get(name, "")[:5000] for name in REPLY_FIELDS}
    findings = []
    if text["what_was_done"].strip():
        findings = replies.warnings_in(replies.check(matter, **text, user=request.user))
    return render(request, "triage/reply_findings.html", {
        "findings": findings, "checked": bool(text["what_was_done"].strip())})


def _bucket_label(bucket):
    lower, upper = bucket["lower"], bucket["upper"]
    if upper is None:
        return _("%(lower)d days or more") % {"lower": lower}
    if lower == 0:
        return ngettext("under %(upper)d day", "under %(upper)d days", upper) % {"upper": upper}
    return _("%(lower)d–%(upper)d days") % {"lower": lower, "upper": upper}


def _percent(share):
    return None if share is None else round(100 * share, 1)


def district_reply_pairs(user):
    """Return (raised, first result recorded) local datetimes of the matters ``user`` sees."""
    firsts = Resolution.objects.filter(
        round=1, matter__in=Matter.objects.visible_to(user)).values_list(
        "matter__created_at", "created_at")
    return [(timezone.localtime(raised), timezone.localtime(resolved))
            for raised, resolved in firsts]


@login_required
@permission_required("matters.list_matters", raise_exception=True)
def reply_baseline(request):
    """Show how long replies took in the shipped data set (the baseline) beside the
    district's own matters the user can see: histogram, median, p75, p90, on-time share."""
    calibration = replies.calibration()
    baseline = calibration["reply_time"]
    district = replies.reply_time_figures(district_reply_pairs(request.user))
    labels = [_bucket_label(b) for b in baseline["buckets"]]
    buckets = [
        {"label": label, "baseline": b, "district": d,
         "baseline_percent": _percent(b["share"]), "district_percent": _percent(d["share"])}
        for label, b, d in zip(labels, baseline["buckets"], district["buckets"])
    ]
    chart = {
        "labels": labels,
        "y_name": _("Share of replies (per cent)"),
        "series": [
            {"name": _("Baseline (taidi2020 data set)"),
             "data": [b["baseline_percent"] for b in buckets]},
        ],
    }
    if district["count"]:
        chart["series"].append({"name": _("Matters you can see"),
                                "data": [b["district_percent"] for b in buckets]})
    return render(request, "triage/reply_baseline.html", {
        "baseline": baseline, "district": district, "buckets": buckets, "chart": chart,
        "relevance": calibration["relevance"], "basis": calibration["basis"],
        "baseline_within_percent": _percent(baseline["within_share"]),
        "district_within_percent": _percent(district["within_share"]),
    })
