from apps.core.errors import Conflict, DomainError, NotFound, ValidationFailed


class BookingNotFound(NotFound):
    title = "No booking with this locator."


class BookingNotPayable(Conflict):
    code = "booking_not_payable"
    title = "This booking cannot be paid in its current state."


class HoldExpired(DomainError):
    code = "hold_expired"
    status = 409
    title = "The hold on this booking has expired; search and book again."


class PassengersInvalid(ValidationFailed):
    title = "The passengers do not match the offer."


class BookingNotChangeable(Conflict):
    code = "booking_not_changeable"
    title = "This booking can no longer be changed."


class SeatChoiceInvalid(ValidationFailed):
    title = "This seat cannot be chosen."
