from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from apps.bookings import selectors as booking_selectors
from apps.bookings.api.serializers import BookingSerializer
from apps.bookings.views import guest_locators
from apps.core.errors import DomainError
from apps.payments import services
from apps.payments.forms import SandboxPaymentForm


@require_http_methods(["GET", "POST"])
def pay(request: HttpRequest, locator: str) -> HttpResponse:
    user = request.user if request.user.is_authenticated else None
    try:
        booking = booking_selectors.booking_get(locator=locator, user=user, guest_locators=guest_locators(request))
    except DomainError:
        return render(request, "404.html", status=404)
    form = SandboxPaymentForm(request.POST or None, initial={"payment_method": "pm_card_visa"})
    if request.method == "POST" and form.is_valid():
        try:
            services.payment_create(
                locator=booking.locator,
                payment_method=form.cleaned_data["payment_method"],
                user=user,
                guest_locators=guest_locators(request),
            )
        except DomainError as error:
            messages.error(request, error.detail)
        else:
            messages.success(request, "Payment received. Your booking is confirmed.")
            return redirect("bookings:detail", locator=booking.locator)
    return render(request, "payments/pay.html", {"booking": BookingSerializer(booking).data, "form": form})
