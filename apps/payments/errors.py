from apps.core.errors import Conflict, DomainError


class PaymentDeclined(DomainError):
    code = "payment_declined"
    status = 402
    title = "The payment was declined."


class PaymentMethodInvalid(DomainError):
    code = "payment_method_invalid"
    status = 400
    title = "This payment method is not accepted."


class BookingAlreadyPaid(Conflict):
    code = "booking_already_paid"
    title = "This booking has already been paid."


class PaymentInProgress(Conflict):
    code = "payment_in_progress"
    title = "A payment for this booking is already being processed; wait for its result."
