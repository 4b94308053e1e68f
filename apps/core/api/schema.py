"""OpenAPI pieces shared by several apps' endpoints."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "1-255 characters, unique per operation. A replay returns the first answer "
        "(`Idempotent-Replayed: true`); the same key with another body answers 422 "
        "`idempotency_mismatch`; while the first request runs, 409 `idempotency_in_progress`. "
        "Kept 24 hours."
    ),
)


class JWTScheme(OpenApiAuthenticationExtension):
    target_class = "apps.accounts.jwt.JWTAuthentication"
    name = "jwtAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "apps.accounts.api_keys.ApiKeyAuthentication"
    name = "apiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A partner API key: `Authorization: Api-Key fbk_...`",
        }
