"""OpenAPI pieces shared by several apps' endpoints."""

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
