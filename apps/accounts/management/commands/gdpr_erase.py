from django.core.management.base import BaseCommand, CommandError

from apps.accounts import privacy
from apps.accounts.models import User


class Command(BaseCommand):
    help = (
        "Erase the personal data of the account with this email address (GDPR erasure request). "
        "Financial records (bookings' amounts, tickets, payments, refunds) are kept."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--email", required=True, help="The account's email address")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Erase even with held bookings or trips not yet flown (a legal request); their passengers' "
            "names and documents go too",
        )

    def handle(self, *args, email: str, force: bool, **options) -> None:
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No account with the email address {email}.")
        try:
            report = privacy.personal_data_erase(user=user, actor=None, force=force)
        except privacy.ErasureBlocked as error:
            raise CommandError(f"{error.detail} Use --force to erase anyway.") from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Account {report.user_id} erased (now {report.email}): {report.bookings} bookings and "
                f"{report.passengers} passengers anonymised, {report.notifications} messages emptied, "
                f"{report.email_addresses} email addresses, {report.social_accounts} social accounts and "
                f"{report.two_factor_devices} two-factor devices removed. Financial records kept."
            )
        )
