from rest_framework import serializers


class TokenObtainInputSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})
    otp = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=32,
        help_text=(
            "Accounts with two-factor authentication: the current code from the authenticator app, "
            "or one of the backup codes. Without it they answer 401 `otp_required`."
        ),
    )


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField(help_text="Send as `Authorization: Bearer <access>`; valid for minutes.")
    refresh = serializers.CharField(help_text="Exchange at `auth/token/refresh/` for a new pair; works once.")


class RefreshInputSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class AuthProblemSerializer(serializers.Serializer):
    """application/problem+json (DESIGN.md §4)."""

    type = serializers.URLField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    code = serializers.CharField(help_text="A stable machine word, e.g. `otp_required`.")
    errors = serializers.DictField(required=False, help_text="Per-field messages (`validation_error` only).")
