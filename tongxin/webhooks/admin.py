"""Webhook subscriptions and their delivery log, for system administrators.

Subscriptions are created and changed through webhooks.services (which records an
event for each); the delivery log is read-only, apart from sending a delivery again.
"""

import json

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from tongxin.kernel.errors import ServiceError
from tongxin.webhooks import network, services
from tongxin.webhooks.choices import event_choices
from tongxin.webhooks.models import Delivery, DeliveryAttempt, Subscription


class SubscriptionForm(forms.ModelForm):
    url = forms.URLField(label=_("address"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("events"), choices=event_choices, widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Subscription
        fields = ["organisation", "url", "events", "active"]


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    form = SubscriptionForm
    list_display = ["organisation", "url", "event_list", "active", "created_at"]
    list_filter = ["active"]
    list_select_related = ["organisation"]
    search_fields = ["organisation__name", "url"]
    raw_id_fields = ["organisation"]
    actions = ["rotate_secrets"]

    def get_fields(self, request, obj=None):
        fields = ["organisation", "url", "events", "active"]
        return fields if obj is None else [*fields, "secret", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        # The organisation of a subscription does not change: its deliveries were
        # chosen by that organisation's place.
        return [] if obj is None else ["organisation", "secret", "created_at"]

    @admin.display(description=_("events"))
    def event_list(self, subscription):
        labels = dict(event_choices())
        return ", ".join(str(labels.get(e, e)) for e in subscription.events)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            services.update_subscription(obj, url=data["url"], events=data["events"],
                                         active=data["active"], by=request.user)
            return
        created = services.create_subscription(
            organisation=data["organisation"], url=data["url"], events=data["events"],
            active=data["active"], by=request.user,
        )
        obj.pk, obj.secret, obj.created_at = created.pk, created.secret, created.created_at
        messages.info(request, _("The signing secret is shown on the subscription's page; "
                                 "hand it to the partner over a safe channel."))

    @admin.action(description=_("Give the selected subscriptions a new secret"))
    def rotate_secrets(self, request, queryset):
        for subscription in queryset:
            services.rotate_secret(subscription, by=request.user)
        messages.success(request, _("New secrets issued: the partners must switch to them."))


def _error(text):
    """Show a stored error as its category's words, translated (network.ERRORS)."""
    return network.error_label(text) if text else "-"


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    fields = readonly_fields = ["at", "status_code", "error_category", "duration_ms"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("error"))
    def error_category(self, attempt):
        return _error(attempt.error)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["pk", "event", "subscription", "subject", "status", "attempts",
                    "last_status_code", "next_attempt_at", "created_at"]
    list_filter = ["status", "event_type"]
    list_select_related = ["subscription__organisation"]
    search_fields = ["subscription__organisation__name", "subscription__url"]
    date_hierarchy = "created_at"
    fields = readonly_fields = [
        "subscription", "event", "subject", "status", "attempts", "next_attempt_at",
        "last_status_code", "last_error_category", "created_at", "delivered_at", "payload_json",
    ]
    inlines = [DeliveryAttemptInline]
    actions = ["send_again"]

    @admin.display(description=_("event"), ordering="event_type")
    def event(self, delivery):
        return dict(event_choices()).get(delivery.event_type, delivery.event_type)

    @admin.display(description=_("subject"))
    def subject(self, delivery):
        return f"{delivery.subject_type} #{delivery.subject_id}" if delivery.subject_type else "-"

    @admin.display(description=_("last error"))
    def last_error_category(self, delivery):
        return _error(delivery.last_error)

    @admin.display(description=_("payload"))
    def payload_json(self, delivery):
        text = json.dumps(delivery.payload, ensure_ascii=False, indent=2)
        return format_html("<pre>{}</pre>", text)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Send the selected deliveries again now"))
    def send_again(self, request, queryset):
        sent = 0
        for delivery in queryset:
            try:
                services.retry_now(delivery, by=request.user)
                sent += 1
            except ServiceError as error:
                messages.warning(request, f"#{delivery.pk}: {error.message}")
        if sent:
            messages.success(request, _("Deliveries queued again: %(n)d.") % {"n": sent})
