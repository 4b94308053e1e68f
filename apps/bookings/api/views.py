from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.models import ApiKeyScope
from apps.accounts.permissions import HasApiKeyScope, MayLookUpBookings
from apps.bookings import selectors, services
from apps.bookings.api.serializers import (
    BOOKING_CREATE_EXAMPLE,
    BookingCreateInputSerializer,
    BookingLookupInputSerializer,
    BookingSerializer,
    CancellationQuoteSerializer,
    CancellationSerializer,
    SeatsInputSerializer,
    passenger_input,
)
from apps.bookings.errors import BookingNotChangeable, BookingNotFound, PassengersInvalid, SeatChoiceInvalid
from apps.bookings.models import Booking
from apps.core.api.caching import PersonalDataApi
from apps.core.api.schema import answers
from apps.core.errors import TryAgain
from apps.core.idempotency import idempotent
from apps.inventory.errors import (
    HoldReleased,
    OfferExpired,
    OfferInvalid,
    PriceChanged,
    SeatNotAllowed,
    SeatUnavailable,
    SoldOut,
)

# Partner keys need the scope named per method (see HasApiKeyScope); users are not limited.
READ, BOOK = ApiKeyScope.READ.value, ApiKeyScope.BOOK.value


class BookingListCreateApi(PersonalDataApi, ListAPIView):
    """`GET`: the bookings the caller may see (a customer their own, an agent their
    partner's, a partner key those it made, an admin all). `POST`: hold an offer for
    passengers (status `held`)."""

    serializer_class = BookingSerializer
    permission_classes = [HasApiKeyScope]
    required_scopes = {"GET": READ, "POST": BOOK}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Booking.objects.none()
        return selectors.booking_list(user=self.request.user)

    @extend_schema(
        request=BookingCreateInputSerializer,
        responses={201: BookingSerializer},
        examples=[BOOKING_CREATE_EXAMPLE],
    )
    @answers(OfferInvalid, PassengersInvalid, OfferExpired, SoldOut, PriceChanged, TryAgain)
    @idempotent
    def post(self, request: Request) -> Response:
        payload = BookingCreateInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        booking = services.booking_create(
            offer_id=data["offer_id"],
            passengers=[services.PassengerInput(**passenger_input(p)) for p in data["passengers"]],
            contact=services.ContactInput(**data["contact"]),
            user=request.user,
        )
        booking = selectors.booking_get(locator=booking.locator, user=request.user)
        return Response(BookingSerializer(booking).data, status=status.HTTP_201_CREATED)


class BookingDetailApi(PersonalDataApi, APIView):
    permission_classes = [HasApiKeyScope]
    required_scopes = {"GET": READ}

    @extend_schema(responses=BookingSerializer)
    @answers(BookingNotFound, TryAgain)
    def get(self, request: Request, locator: str) -> Response:
        booking = selectors.booking_get(locator=locator, user=request.user)
        if services.booking_expire_if_due(booking=booking).status != booking.status:
            booking = selectors.booking_get(locator=locator, user=request.user)
        return Response(BookingSerializer(booking, context={"request": request}).data)


class BookingSeatsApi(PersonalDataApi, APIView):
    """Choose or change seats: all choices apply, or none."""

    permission_classes = [HasApiKeyScope]
    required_scopes = {"PUT": BOOK}

    @extend_schema(request=SeatsInputSerializer, responses={200: BookingSerializer})
    @answers(
        SeatChoiceInvalid,
        BookingNotFound,
        BookingNotChangeable,
        SeatUnavailable,
        HoldReleased,
        SeatNotAllowed,
        TryAgain,
    )
    def put(self, request: Request, locator: str) -> Response:
        booking = selectors.booking_get(locator=locator, user=request.user)
        payload = SeatsInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.booking_seats_choose(
            locator=booking.locator,
            choices=[services.SeatChoice(**choice) for choice in payload.validated_data["seats"]],
            actor=request.user,
        )
        booking = selectors.booking_get(locator=locator, user=request.user)
        return Response(BookingSerializer(booking, context={"request": request}).data)


class BookingCancellationApi(PersonalDataApi, APIView):
    """`GET`: what cancelling now would refund. `POST`: cancel; the refund follows."""

    permission_classes = [HasApiKeyScope]
    required_scopes = {"GET": READ, "POST": BOOK}

    @extend_schema(responses={200: CancellationQuoteSerializer})
    @answers(BookingNotFound, BookingNotChangeable)
    def get(self, request: Request, locator: str) -> Response:
        booking = selectors.booking_get(locator=locator, user=request.user)
        return Response(CancellationQuoteSerializer(services.booking_cancellation_quote(booking=booking)).data)

    @extend_schema(request=None, responses={200: CancellationSerializer})
    @answers(BookingNotFound, BookingNotChangeable, TryAgain)
    @idempotent
    def post(self, request: Request, locator: str) -> Response:
        booking = selectors.booking_get(locator=locator, user=request.user)
        booking, quote = services.booking_cancel(locator=booking.locator, actor=request.user)
        data = {**vars(quote), "locator": booking.locator, "status": booking.status}
        return Response(CancellationSerializer(data).data)


class BookingLookupApi(PersonalDataApi, APIView):
    """For agents and staff: find a customer's booking by its locator and a passenger's
    family name. It stays visible to the caller for `AGENT_LOOKUP_HOURS`; each lookup is
    audited. A wrong name and an unknown locator both answer 404."""

    permission_classes = [IsAuthenticated, MayLookUpBookings]

    @extend_schema(request=BookingLookupInputSerializer, responses={200: BookingSerializer})
    @answers(BookingNotFound)
    def post(self, request: Request) -> Response:
        payload = BookingLookupInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        grant = services.booking_access_grant_create(**payload.validated_data, agent=request.user)
        booking = selectors.booking_get(locator=grant.booking.locator, user=request.user)
        return Response(BookingSerializer(booking).data)
