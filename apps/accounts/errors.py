"""Sign-in, second factor and API token errors, each with its stable problem+json `code`.

The ones raised while authenticating an API request are also DRF `AuthenticationFailed`,
so that DRF answers with `WWW-Authenticate` and our handler with their own code."""

from rest_framework.exceptions import AuthenticationFailed

from apps.core.errors import DomainError


class InvalidCredentials(DomainError):
    code = "invalid_credentials"
    status = 401
    title = "No active account with this email address and password."


class LoginLocked(DomainError):
    code = "too_many_login_attempts"
    status = 429
    title = "Too many failed sign-in attempts for this account; try again in a few minutes."


class EmailUnverified(DomainError):
    code = "email_unverified"
    status = 403
    title = "Confirm your email address first: follow the link in the email we sent you."


class OtpRequired(DomainError):
    code = "otp_required"
    status = 401
    title = "This account uses two-factor authentication: send `otp`, a code from the authenticator app."


class OtpInvalid(DomainError):
    code = "otp_invalid"
    status = 401
    title = "The two-factor code is wrong or was already used."


class OtpThrottled(DomainError):
    code = "otp_throttled"
    status = 429
    title = "Too many wrong two-factor codes; wait a little before trying again."


class MfaEnrolmentRequired(DomainError):
    code = "mfa_enrolment_required"
    status = 403
    title = "Staff accounts must set up two-factor authentication (at /accounts/mfa/) before using the API."


class TokenInvalid(DomainError, AuthenticationFailed):
    code = "token_invalid"
    status = 401
    title = "The token is invalid, expired or already used."


class TokenRevoked(DomainError, AuthenticationFailed):
    code = "token_revoked"
    status = 401
    title = "The token was issued before the password changed; sign in again."
