"""Payment pages: pay (the sandbox's test cards or Stripe's Payment Element), the sandbox's
3-D Secure challenge, the return from Stripe, and the receipt. The browser never confirms
a payment by itself: every page that shows a result asks the provider first."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from apps.bookings import selectors as booking_selectors
from apps.bookings.api.serializers import BookingSerializer
from apps.bookings.models import Booking
from apps.bookings.views import guest_locators
from apps.core.errors import DomainError
from apps.payments import services
from apps.payments.forms import SandboxPaymentForm
from apps.payments.models import Payment, PaymentStatus
from apps.payments.providers.sandbox import TEST_PAYMENT_METHODS


def _user(request: HttpRequest):
    return request.user if request.user.is_authenticated else None


def _booking(request: HttpRequest, locator: str) -> Booking | None:
    try:
        return booking_selectors.booking_get(
            locator=locator, user=_user(request), guest_locators=guest_locators(request)
        )
    except DomainError:
        return None


def _after(request: HttpRequest, payment: Payment) -> HttpResponse:
    """Where a customer goes once we know how an attempt ended."""
    locator = payment.booking.locator
    if payment.status == PaymentStatus.SUCCEEDED and payment.applied:
        messages.success(request, "Payment received. Your booking is confirmed.")
        return redirect("payments:receipt", locator=locator, payment_id=payment.pk)
    if payment.status == PaymentStatus.SUCCEEDED:
        messages.error(
            request,
            "The seats were released before the payment completed and are no longer free; "
            "the payment is refunded in full.",
        )
        return redirect("bookings:detail", locator=locator)
    if payment.status == PaymentStatus.FAILED:
        messages.error(request, payment.failure_message or "The payment was declined.")
    elif payment.status == PaymentStatus.CANCELED:
        messages.error(request, "The payment was cancelled.")
    return redirect("payments:pay", locator=locator)


@never_cache
@require_http_methods(["GET", "POST"])
def pay(request: HttpRequest, locator: str) -> HttpResponse:
    booking = _booking(request, locator)
    if booking is None:
        return render(request, "404.html", status=404)
    context = {"booking": BookingSerializer(booking).data, "provider": settings.PAYMENT_PROVIDER}
    if settings.PAYMENT_PROVIDER == "stripe":
        if booking_selectors.booking_effective_status(booking=booking) == "held":
            try:
                state = services.payment_for_page(
                    locator=booking.locator, user=_user(request), guest_locators=guest_locators(request)
                )
            except DomainError as error:
                messages.error(request, error.detail)
            else:
                context |= {
                    "client_secret": state.client_secret,
                    "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
                    "return_url": request.build_absolute_uri(reverse("payments:stripe_return", args=[booking.locator])),
                }
        return render(request, "payments/pay_stripe.html", context)

    form = SandboxPaymentForm(request.POST or None, initial={"payment_method": "pm_card_visa"})
    if request.method == "POST" and form.is_valid():
        try:
            payment = services.payment_create(
                locator=booking.locator,
                payment_method=form.cleaned_data["payment_method"],
                user=_user(request),
                guest_locators=guest_locators(request),
            )
        except DomainError as error:
            messages.error(request, error.detail)
        else:
            if payment.status == PaymentStatus.REQUIRES_ACTION:
                return redirect(payment.next_action["url"])
            return _after(request, payment)
    context["form"] = form
    return render(request, "payments/pay.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def authenticate(request: HttpRequest, reference: str) -> HttpResponse:
    """The sandbox's stand-in for the bank's 3-D Secure page."""
    payment = Payment.objects.filter(provider="sandbox", provider_reference=reference).select_related("booking").first()
    if payment is None:
        return render(request, "404.html", status=404)
    # Like a bank's challenge link, the unguessable reference is the key: a partner's API
    # sends its customer here without any session of ours. Only those who may see the
    # booking are then taken to it.
    may_see_booking = _booking(request, payment.booking.locator) is not None
    if request.method == "POST" and payment.status == PaymentStatus.REQUIRES_ACTION:
        approve = request.POST.get("answer") == "approve"
        payment, _ = services.sandbox_authenticate(
            reference=reference, approve=approve, actor_label=services.actor_label_of(_user(request))
        )
    if payment.status != PaymentStatus.REQUIRES_ACTION:
        if may_see_booking:
            return _after(request, payment)
        return render(request, "payments/authenticate_done.html", {"payment": payment})
    method = TEST_PAYMENT_METHODS.get(payment.payment_method, payment.payment_method)
    return render(request, "payments/authenticate.html", {"payment": payment, "method": method})


@never_cache
def stripe_return(request: HttpRequest, locator: str) -> HttpResponse:
    """Stripe sends the customer back here after the Payment Element (and any 3-D Secure
    redirect). The query string is only a hint: we retrieve the PaymentIntent ourselves."""
    booking = _booking(request, locator)
    if booking is None:
        return render(request, "404.html", status=404)
    reference = request.GET.get("payment_intent", "")
    payment = booking.payments.filter(provider="stripe", provider_reference=reference).first() if reference else None
    if payment is None:
        return redirect("bookings:detail", locator=booking.locator)
    try:
        payment, _ = services.payment_refresh(payment=payment, actor_label=services.actor_label_of(_user(request)))
    except DomainError as error:
        messages.error(request, error.detail)
        return redirect("bookings:detail", locator=booking.locator)
    if payment.status in (PaymentStatus.PENDING, PaymentStatus.REQUIRES_ACTION):
        messages.info(request, "Your payment is being processed; this page will show it once your bank confirms.")
        return redirect("bookings:detail", locator=booking.locator)
    return _after(request, payment)


@never_cache
def receipt(request: HttpRequest, locator: str, payment_id: int) -> HttpResponse:
    booking = _booking(request, locator)
    payment = booking.payments.filter(pk=payment_id).first() if booking is not None else None
    if payment is None or payment.status != PaymentStatus.SUCCEEDED:
        return render(request, "404.html", status=404)
    return render(
        request,
        "payments/receipt.html",
        {"booking": BookingSerializer(booking).data, "payment": payment, "refunds": list(payment.refunds.all())},
    )
