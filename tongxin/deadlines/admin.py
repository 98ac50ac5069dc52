"""Deadline rules, the district's calendar days and switches, for system administrators.

The Django admin admits the site-wide superuser and districts' system administrators
(``Person.is_staff``); a district's administrator sees, and may choose, only the districts
where they hold the role (selectors.administered_districts). Changes are checked and
saved through deadlines.services, which records an event for each.
"""

import copy

from django import forms
from django.contrib import admin, messages
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from tongxin.deadlines import services
from tongxin.deadlines.models import CalendarDay, DeadlineRule, DistrictSettings
from tongxin.deadlines.selectors import administered_districts
from tongxin.kernel.errors import ServiceError


class SettingForm(forms.ModelForm):
    """Refuse in the form what the service would refuse on save."""

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            candidate = copy.copy(self.instance)
            for name, value in cleaned.items():
                setattr(candidate, name, value)
            try:
                services.check_setting(candidate)
            except ServiceError as error:
                self.add_error(None, error)
        return cleaned


class DistrictSettingAdmin(admin.ModelAdmin):
    """Offer only the districts the user administers; save and delete through the services."""

    form = SettingForm

    def _districts(self, request):
        if not hasattr(request, "_administered_districts"):
            request._administered_districts = administered_districts(request.user)
        return request._administered_districts

    def _allowed(self, request, obj=None):
        if not request.user.is_staff:  # signed out (the admin's sign-in page), or no admin
            return False
        if request.user.is_superuser:
            return True
        if obj is not None:
            return self._districts(request).filter(pk=obj.district_id).exists()
        return self._districts(request).exists()

    def has_module_permission(self, request):
        return self._allowed(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request, obj)

    def has_add_permission(self, request):
        return self._allowed(request)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request, obj)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(district__in=self._districts(request))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "district":
            kwargs["queryset"] = self._districts(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        services.save_setting(obj, by=request.user, changed=form.changed_data)

    def delete_model(self, request, obj):
        services.delete_setting(obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset.select_related("district"):
            services.delete_setting(obj, by=request.user)


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(DistrictSettingAdmin):
    list_display = ["stage", "kind", "level", "category", "emergency", "amount", "unit",
                    "district"]
    list_filter = ["stage", "unit", "emergency", "kind", "level"]
    list_select_related = ["district", "category"]
    raw_id_fields = ["category"]
    fieldsets = [
        (None, {"fields": ["district", "stage", ("amount", "unit")]}),
        (_("Applies to (blank: any)"), {
            "fields": ["kind", "level", "category", "emergency"],
            "description": _(
                "The most specific rule wins: for an emergency an emergency rule, then a "
                "category rule (a sub-category before its parent), then kind, then level. "
                "The built-in defaults apply where the district has no rule as specific."
            ),
        }),
    ]


@admin.register(CalendarDay)
class CalendarDayAdmin(DistrictSettingAdmin):
    list_display = ["date", "weekday", "is_working_day", "name", "district"]
    list_filter = ["is_working_day", ("district", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["district"]
    date_hierarchy = "date"
    search_fields = ["name"]

    @admin.display(description=_("weekday"))
    def weekday(self, day):
        return date_format(day.date, "l")


@admin.register(DistrictSettings)
class DistrictSettingsAdmin(DistrictSettingAdmin):
    list_display = ["district", "auto_escalate", "deliberation_day"]
    list_select_related = ["district"]

    def changelist_view(self, request, extra_context=None):
        if not DistrictSettings.objects.exists():
            messages.info(request, _("A district without settings does not escalate "
                                     "automatically and deliberates on the 10th."))
        return super().changelist_view(request, extra_context)
