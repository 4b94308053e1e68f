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
