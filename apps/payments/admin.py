"""Payments, refunds and provider events are read-only here: money moves only through the
services. Agents refund with the "Refund" button on a payment, within the fare rules;
admins may override them. Both are recorded on the booking's timeline and in the admin log."""

from __future__ import annotations

import secrets
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from apps.accounts.permissions import user_is_admin
from apps.bookings.selectors import bookings_visible_to
from apps.core.errors import DomainError
from apps.payments import services
from apps.payments.models import Payment, ProviderEvent, Refund


class RefundInline(admin.TabularInline):
    model = Refund
    extra = 0
    can_delete = False
    fields = ["created_at", "amount", "currency", "reason", "status", "provider_reference", "requested_by", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class StaffRefundForm(forms.Form):
    amount = forms.DecimalField(min_value=Decimal("0.01"), decimal_places=2, max_digits=12)
    note = forms.CharField(max_length=300, help_text="Why the money goes back (kept on the booking's timeline)")
    override = forms.BooleanField(required=False, label="Override the fare rules (admins only)")
    token = forms.CharField(widget=forms.HiddenInput)


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = [
        "booking",
        "provider",
        "status",
        "amount",
        "currency",
        "amount_refunded",
        "applied",
        "provider_reference",
        "created_at",
    ]
    list_filter = ["provider", "status", "applied", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["booking__locator", "provider_reference", "booking__contact_email"]
    readonly_fields = [*(f.name for f in Payment._meta.fields), "refund_link"]
    list_select_related = ["booking"]
    inlines = [RefundInline]

    def get_queryset(self, request):
        # Staff see the payments of the bookings they may see (an agent: their partner's).
        return super().get_queryset(request).filter(booking__in=bookings_visible_to(user=request.user).values("pk"))

    def get_urls(self):
        return [
            path("<int:payment_id>/refund/", self.admin_site.admin_view(self.refund_view), name="payments_refund"),
            *super().get_urls(),
        ]

    @admin.display(description="Refund")
    def refund_link(self, payment: Payment) -> str:
        if payment.status != "succeeded" or payment.amount_refunded >= payment.amount:
            return "—"
        return format_html(
            '<a class="button" href="{}">Refund…</a>', reverse("admin:payments_refund", args=[payment.pk])
        )

    def refund_view(self, request, payment_id: int):
        if not request.user.has_perm("payments.add_refund"):
            raise PermissionDenied
        payment = get_object_or_404(self.get_queryset(request).select_related("booking"), pk=payment_id)
        allowance = services.refund_allowance(payment=payment)
        form = StaffRefundForm(request.POST or None, initial={"amount": allowance, "token": secrets.token_hex(16)})
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                refund = services.refund_by_staff(
                    payment_id=payment.pk,
                    amount=data["amount"],
                    user=request.user,
                    note=data["note"],
                    token=data["token"],
                    override=data["override"],
                )
            except DomainError as error:
                form.add_error(None, error.detail)
            else:
                override = " (override of the fare rules)" if data["override"] else ""
                self.log_change(
                    request,
                    payment,
                    f"Refund {refund.amount} {refund.currency}{override}; "
                    f"fare rules allowed {allowance}: {refund.note}",
                )
                self.message_user(
                    request,
                    f"Refund of {refund.amount} {refund.currency} sent to {payment.provider}.",
                    messages.SUCCESS,
                )
                return redirect("admin:payments_payment_change", payment.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Refund payment {payment.pk} of booking {payment.booking.locator}",
            "payment": payment,
            "allowance": allowance,
            "left": payment.amount - payment.amount_refunded,
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/payments/refund.html", context)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Refund)
class RefundAdmin(admin.ModelAdmin):
    list_display = [
        "payment",
        "amount",
        "currency",
        "reason",
        "status",
        "provider_reference",
        "requested_by",
        "created_at",
    ]
    list_filter = ["status", "reason", "payment__provider", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["payment__booking__locator", "provider_reference", "requested_by"]
    readonly_fields = [f.name for f in Refund._meta.fields]
    list_select_related = ["payment__booking"]

    def get_queryset(self, request):
        visible = bookings_visible_to(user=request.user).values("pk")
        return super().get_queryset(request).filter(payment__booking__in=visible)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ProviderEvent)
class ProviderEventAdmin(admin.ModelAdmin):
    list_display = ["event_id", "provider", "type", "created", "received_at", "outcome"]
    list_filter = ["provider", "type"]
    search_fields = ["event_id", "outcome"]
    readonly_fields = [f.name for f in ProviderEvent._meta.fields]

    def has_view_permission(self, request, obj=None) -> bool:
        # Raw provider payloads concern every partner's customers: admins only.
        return user_is_admin(request.user) and super().has_view_permission(request, obj)

    def has_module_permission(self, request) -> bool:
        return user_is_admin(request.user) or super().has_module_permission(request)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
