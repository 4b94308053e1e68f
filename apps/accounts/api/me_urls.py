"""The signed-in customer's own data: profile, GDPR export and erasure."""

urlpatterns: list = []
