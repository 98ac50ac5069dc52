from django.contrib import admin

from tongxin.people import services
from tongxin.people.models import Person, RoleAssignment, SignInLock


class RoleInline(admin.TabularInline):
    """Roles are shown here; they change through the services (roster import, commands)."""

    model = RoleAssignment
    extra = 0
    fields = ["role", "place", "organisation", "created_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["full_name", "username", "household", "is_active", "is_superuser"]
    list_filter = ["is_active", "is_superuser"]
    search_fields = ["full_name", "username", "phone"]
    raw_id_fields = ["household"]
    fields = ["full_name", "username", "phone", "id_number", "household", "is_household_head",
              "is_active"]
    inlines = [RoleInline]

    def save_model(self, request, obj, form, change):
        """Save through the people services so that checks run and an event is recorded."""
        data = {name: form.cleaned_data[name] for name in self.fields}
        if change:
            changes = {name: data[name] for name in form.changed_data}
            services.update_person(obj, by=request.user, **changes)
        else:
            active = data.pop("is_active")
            person = services.create_person(by=request.user, **data)
            if not active:
                services.update_person(person, by=request.user, is_active=False)
            obj.pk = person.pk
            obj._state.adding = False


@admin.register(SignInLock)
class SignInLockAdmin(admin.ModelAdmin):
    list_display = ["username", "failures", "last_failure_at", "locked_until"]
    readonly_fields = ["username", "failures", "last_failure_at", "locked_until"]

    def has_add_permission(self, request):
        return False
