import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.accounts import privacy
from apps.accounts.models import User


class Command(BaseCommand):
    help = "Export all the personal data of the account with this email address, as JSON (GDPR access request)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--email", required=True, help="The account's email address")
        parser.add_argument("--output", help="Write to this file (created with owner-only permissions); default stdout")

    def handle(self, *args, email: str, output: str | None, **options) -> None:
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No account with the email address {email}.")
        text = json.dumps(privacy.personal_data_export(user=user), indent=2, ensure_ascii=False) + "\n"
        if output is None:
            self.stdout.write(text, ending="")
            return
        path = Path(output)
        # Travel documents inside: readable by the operator only.
        path.touch(mode=0o600, exist_ok=True)
        path.chmod(0o600)
        path.write_text(text, encoding="utf-8")
        self.stderr.write(self.style.SUCCESS(f"Personal data of account {user.pk} written to {path}."))
