from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import render

from tongxin.people.forms import PersonSearchForm, SignInForm
from tongxin.people.models import Person, RoleAssignment
from tongxin.people.rules import contact_for

PAGE_SIZE = 50


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    template_name = "people/login.html"
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    pass


@login_required
@permission_required("people.list_people", raise_exception=True)
def person_list(request):
    """List the people in the user's scope, searchable by name or phone; masked as needed."""
    form = PersonSearchForm(request.GET)
    people = Person.objects.visible_to(request.user).select_related("household").prefetch_related(
        Prefetch("roles", queryset=RoleAssignment.objects.select_related("place"))
    )
    if form.is_valid() and form.cleaned_data["q"]:
        term = form.cleaned_data["q"].strip()
        people = people.filter(Q(full_name__contains=term) | Q(phone__contains=term))
    page = Paginator(people.order_by("household__code", "full_name", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [(person, contact_for(request.user, person)) for person in page]
    return render(request, "people/person_list.html", {"form": form, "page": page, "rows": rows})


@login_required
def person_detail(request, pk):
    """Show one person the user may see; phone and ID masked unless the user needs them."""
    person = Person.objects.visible_to(request.user).select_related("household").filter(pk=pk).first()
    if person is None:
        raise Http404
    context = {
        "person": person,
        "contact": contact_for(request.user, person),
        "address": person.household.full_name if person.household else "",
        "assignments": person.roles.select_related("place", "organisation"),
    }
    return render(request, "people/person_detail.html", context)
