"""The in-app inbox: a person's own notices, newest first, and marking them read."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from tongxin.notices import selectors, services
from tongxin.notices.models import Notice

PAGE_SIZE = 30


@login_required
def inbox(request):
    """List the user's notices, newest first, the unread ones marked."""
    page = Paginator(selectors.inbox(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.with_links(page.object_list)
    unread = selectors.unread_count(request.user)
    return render(request, "notices/inbox.html", {"page": page, "unread": unread})


@login_required
@require_POST
def read(request):
    """Mark one notice (``notice``: its id) or all of them (``all``) read, then go back."""
    if request.POST.get("all"):
        services.mark_all_read(by=request.user)
    elif request.POST.get("notice", "").isdecimal():
        notice = get_object_or_404(Notice.objects.visible_to(request.user),
                                   pk=int(request.POST["notice"]))
        services.mark_read(notice, by=request.user)
    else:
        return HttpResponseBadRequest()
    target = request.POST.get("next", "")
    # Only a path on this site: anything else (a host, or a word redirect() would take
    # for a view name and fail to reverse) goes to the default.
    if not target.startswith("/") or not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        target = "notices:inbox"
    return redirect(target)
