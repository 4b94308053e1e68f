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
    retryable = True


class PaymentProviderUnavailable(DomainError):
    """The provider could not be reached or answered an error of its own. Nothing was
    decided: the same request (same Idempotency-Key) may be sent again."""

    code = "payment_provider_unavailable"
    status = 503
    retryable = True
    title = "The payment provider could not be reached; please try again."


class WebhookInvalid(DomainError):
    code = "webhook_invalid"
    status = 400
    title = "The webhook signature is missing, wrong or too old."


class RefundNotAllowed(DomainError):
    code = "refund_not_allowed"
    status = 400
    title = "This refund is not allowed."
