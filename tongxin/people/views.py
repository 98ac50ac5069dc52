from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tongxin.core import ratelimit
from tongxin.people import services
from tongxin.people.audit import record_contact_read
from tongxin.people.forms import PersonSearchForm, SignInForm
from tongxin.people.models import Person, RoleAssignment
from tongxin.people.rules import contact_for
from tongxin.people.selectors import search_people

PAGE_SIZE = 50


class SignInView(auth_views.LoginView):
    """Sign in; an address with too many failed attempts is refused for a while (429)."""

    form_class = SignInForm
    template_name = "people/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        try:
            ratelimit.check("sign_in_failures", ratelimit.client_ip(request))
        except ratelimit.Limited as error:
            return ratelimit.too_many(request, error)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        try:
            ratelimit.hit("sign_in_failures", ratelimit.client_ip(self.request))
        except ratelimit.Limited as error:
            return ratelimit.too_many(self.request, error)
        return super().form_invalid(form)


class SignOutView(auth_views.LogoutView):
    pass


@login_required
@require_POST
def elder_mode(request):
    """Turn one's own elder mode (长辈版) on or off, and go back to the page one was on."""
    on = request.POST.get("elder_mode") == "on"
    services.set_elder_mode(request.user, on)
    if on:
        messages.success(request, _("Elder mode is on."))
    elif request.POST.get("offer"):  # "not now" to the offer on the home page
        messages.success(request, _("You can turn on elder mode at any time at the bottom "
                                    "of the page."))
    else:
        messages.success(request, _("Elder mode is off."))
    target = request.POST.get("next", "")
    # Only a path on this site: anything else (a host, or a word redirect() would take
    # for a view name and fail to reverse) goes home.
    if not target.startswith("/") or not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        target = "/"
    return redirect(target)


@login_required
@permission_required("people.list_people", raise_exception=True)
def person_list(request):
    """List the people in the user's scope, searchable by name or phone; masked as needed."""
    form = PersonSearchForm(request.GET)
    people = Person.objects.visible_to(request.user).select_related("household").prefetch_related(
        Prefetch("roles", queryset=RoleAssignment.objects.select_related("place"))
    )
    if form.is_valid():
        people = search_people(request.user, people, form.cleaned_data["q"])
    page = Paginator(people.order_by("household__code", "full_name", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [(person, contact_for(request.user, person)) for person in page]
    record_contact_read(request, page.object_list)
    return render(request, "people/person_list.html", {"form": form, "page": page, "rows": rows})


@login_required
def person_detail(request, pk):
    """Show one person the user may see; phone and ID masked unless the user needs them."""
    person = Person.objects.visible_to(request.user).select_related("household").filter(pk=pk).first()
    if person is None:
        raise Http404
    contact = contact_for(request.user, person)
    record_contact_read(request, [person])
    context = {
        "person": person,
        "contact": contact,
        "address": person.household.full_name if person.household else "",
        "assignments": person.roles.select_related("place", "organisation"),
    }
    return render(request, "people/person_detail.html", context)
