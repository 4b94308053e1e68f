from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from apps.bookings import selectors, services
from apps.bookings.api.serializers import BookingSerializer
from apps.bookings.forms import ContactForm, PassengerFormSet
from apps.bookings.models import PassengerType
from apps.core.errors import DomainError
from apps.inventory import selectors as inventory_selectors
from apps.inventory.api.serializers import SliceSerializer
from apps.inventory.offers import offer_verify

GUEST_BOOKINGS_KEY = "guest_bookings"


def _readable(field: str) -> str:
    """`passengers[1].date_of_birth` → `Passenger 2, date of birth`."""
    if field.startswith("passengers[") and "]." in field:
        index, name = field[len("passengers[") :].split("].", 1)
        return f"Passenger {int(index) + 1}, {name.replace('_', ' ')}"
    return field.replace("_", " ").capitalize()


def guest_locators(request: HttpRequest) -> list[str]:
    return request.session.get(GUEST_BOOKINGS_KEY, [])


def _remember_guest_booking(request: HttpRequest, locator: str) -> None:
    request.session[GUEST_BOOKINGS_KEY] = [*guest_locators(request), locator][-20:]


def _current_user(request: HttpRequest):
    return request.user if request.user.is_authenticated else None


@require_http_methods(["GET", "POST"])
def booking_new(request: HttpRequest) -> HttpResponse:
    """Passenger details for a chosen offer; on submit the seats are held."""
    offer_id = request.GET.get("offer") or request.POST.get("offer", "")
    try:
        claim = offer_verify(offer_id=offer_id)
    except DomainError as error:
        return render(request, "bookings/offer_error.html", {"error": error}, status=error.status)
    fare_classes = inventory_selectors.fare_classes_for_offer(ids=claim.fare_class_ids)
    slices = [SliceSerializer([fare_classes[pk] for pk in fare_slice]).data for fare_slice in claim.slices]
    kinds = (
        [PassengerType.ADULT] * claim.mix.adults
        + [PassengerType.CHILD] * claim.mix.children
        + [PassengerType.INFANT] * claim.mix.infants
    )
    initial_contact = {"email": request.user.email} if request.user.is_authenticated else None
    if request.method == "POST":
        formset = PassengerFormSet(request.POST, prefix="pax")
        contact_form = ContactForm(request.POST, prefix="contact")
        if formset.is_valid() and contact_form.is_valid():
            try:
                booking = services.booking_create(
                    offer_id=offer_id,
                    passengers=[services.PassengerInput(**form.cleaned_data) for form in formset],
                    contact=services.ContactInput(**contact_form.cleaned_data),
                    user=_current_user(request),
                )
            except DomainError as error:
                messages.error(request, error.detail)
                for field, problems in (error.errors or {}).items():
                    messages.error(request, f"{_readable(field)}: {' '.join(problems)}")
            else:
                if booking.user_id is None:
                    _remember_guest_booking(request, booking.locator)
                return redirect("payments:pay", locator=booking.locator)
    else:
        formset = PassengerFormSet(initial=[{"type": kind} for kind in kinds], prefix="pax")
        contact_form = ContactForm(initial=initial_contact, prefix="contact")
    flights = [fc.flight for fc in fare_classes.values()]
    context = {
        "international": len({a.country for f in flights for a in (f.origin, f.destination)}) > 1,
        "offer_id": offer_id,
        "claim": claim,
        "slices": slices,
        "formset": formset,
        "contact_form": contact_form,
    }
    return render(request, "bookings/new.html", context)


def booking_detail(request: HttpRequest, locator: str) -> HttpResponse:
    try:
        booking = selectors.booking_get(
            locator=locator, user=_current_user(request), guest_locators=guest_locators(request)
        )
    except DomainError:
        return render(request, "404.html", status=404)
    return render(request, "bookings/detail.html", {"booking": BookingSerializer(booking).data})


@login_required
def my_trips(request: HttpRequest) -> HttpResponse:
    bookings = BookingSerializer(selectors.booking_list(user=request.user), many=True).data
    return render(request, "bookings/my_trips.html", {"bookings": bookings})
