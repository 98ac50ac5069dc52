from django.contrib import admin

from tongxin.orgs.models import Organisation


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "place", "parent"]
    list_filter = ["kind"]
    search_fields = ["name"]
    readonly_fields = ["name", "kind", "place", "parent"]

    # Organisations change through orgs.services (the party chain is checked there).
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
