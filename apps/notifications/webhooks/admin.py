"""Partner webhooks in the admin: endpoints (the secret is shown to staff; a partner's
agents see only their partner's) and the delivery log, with resend. Every write goes
through the services."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages

from apps.notifications.webhook_models import WebhookDelivery, WebhookEndpoint, WebhookEventType
from apps.notifications.webhooks import selectors, services
from apps.notifications.webhooks.addresses import UrlRefused, url_resolve


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(max_length=2000, assume_scheme="https")
    events = forms.MultipleChoiceField(choices=WebhookEventType.choices, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = WebhookEndpoint
        fields = ["partner", "url", "events", "enabled"]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        try:
            url_resolve(url)
        except UrlRefused as refusal:
            raise forms.ValidationError(str(refusal)) from None
        return url


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["url", "partner", "enabled", "failing_since", "disabled_at", "created_at"]
    list_filter = ["enabled", "partner"]
    search_fields = ["url", "partner__name"]
    list_select_related = ["partner"]
    readonly_fields = ["secret", "previous_secret_expires_at", "failing_since", "disabled_at", "created_at"]
    actions = ["roll_secret"]

    def get_queryset(self, request):
        return selectors.webhook_endpoints_visible_to(user=request.user).select_related("partner")

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "partner"] if obj is not None else self.readonly_fields

    def save_model(self, request, obj, form, change) -> None:
        data = form.cleaned_data
        if change:
            updated = services.webhook_endpoint_update(
                endpoint=WebhookEndpoint.objects.get(pk=obj.pk),
                actor=request.user,
                url=data["url"],
                events=data["events"],
                enabled=data["enabled"],
            )
            obj.__dict__.update(updated.__dict__)
            return
        endpoint, secret = services.webhook_endpoint_create(
            partner=data["partner"], url=data["url"], events=data["events"], enabled=data["enabled"], actor=request.user
        )
        obj.pk = obj.id = endpoint.pk
        messages.warning(request, f"Signing secret (give it to the partner; it stays on this page for staff): {secret}")

    def delete_model(self, request, obj) -> None:
        services.webhook_endpoint_delete(endpoint=obj, actor=request.user)

    def delete_queryset(self, request, queryset) -> None:
        for endpoint in queryset:
            services.webhook_endpoint_delete(endpoint=endpoint, actor=request.user)

    @admin.action(description="Roll the signing secret (the old one signs 24 h more)", permissions=["change"])
    def roll_secret(self, request, queryset) -> None:
        for endpoint in queryset:
            endpoint, secret = services.webhook_endpoint_secret_roll(endpoint=endpoint, actor=request.user)
            messages.warning(request, f"New secret for {endpoint.url}: {secret}")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["event_type", "event_id", "endpoint", "state", "attempts", "last_status_code", "next_attempt_at"]
    list_filter = ["state", "event_type"]
    search_fields = ["event_id", "endpoint__url"]
    list_select_related = ["endpoint__partner"]
    actions = ["resend"]

    def get_queryset(self, request):
        endpoints = selectors.webhook_endpoints_visible_to(user=request.user)
        return super().get_queryset(request).filter(endpoint__in=endpoints)

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in WebhookDelivery._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Resend (the same event id, as a new delivery)", permissions=["change"])
    def resend(self, request, queryset) -> None:
        for delivery in queryset.select_related("endpoint"):
            services.webhook_delivery_resend(delivery=delivery, actor=request.user)
        messages.success(request, f"{queryset.count()} delivery(ies) queued again.")
