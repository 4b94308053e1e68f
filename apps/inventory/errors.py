from apps.core.errors import Conflict, DomainError


class SoldOut(Conflict):
    code = "sold_out"
    title = "There are not enough seats left at this fare."


class OfferExpired(DomainError):
    code = "offer_expired"
    status = 410
    title = "This offer has expired; search again."


class OfferInvalid(DomainError):
    code = "offer_invalid"
    status = 400
    title = "This offer id is not one we issued."


class PriceChanged(Conflict):
    code = "price_changed"
    title = "The price of this offer has changed; search again to see the new price."


class HoldReleased(Conflict):
    code = "hold_expired"
    title = "The hold on these seats has expired and they were released."


class SeatUnavailable(Conflict):
    code = "seat_unavailable"
    title = "This seat is already taken; choose another."


class SeatNotAllowed(DomainError):
    code = "seat_not_allowed"
    status = 422
    title = "This passenger may not sit in this seat."
