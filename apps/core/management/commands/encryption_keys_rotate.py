from django.core.management.base import BaseCommand, CommandError

from apps.core import crypto


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field with the newest key of FIELD_ENCRYPTION_KEYS, in batches, "
        "while the site runs. Afterwards the older keys can be removed (docs/privacy.md)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch-size", type=int, default=500, help="Rows per transaction (default 500)")
        parser.add_argument(
            "--check", action="store_true", help="Only count values still under an older key; fail if there are any"
        )

    def handle(self, *args, batch_size: int, check: bool, **options) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        try:
            results = crypto.encrypted_values_rotate(batch_size=batch_size, dry_run=check)
        except crypto.DecryptionFailed as error:
            raise CommandError(str(error)) from error
        for result in results:
            verb = "under an older key" if check else "re-encrypted"
            line = f"{result.table}: {result.rows_seen} rows, {result.values_rotated} values {verb}"
            if result.rows_changed_meanwhile:
                line += f", {result.rows_changed_meanwhile} rows changed meanwhile (run again to verify)"
            self.stdout.write(line)
        if check and any(result.values_rotated for result in results):
            raise CommandError("Some values still use an older key: run `manage.py encryption_keys_rotate`.")
        if not any(result.rows_changed_meanwhile for result in results):
            self.stdout.write(self.style.SUCCESS("Every encrypted value uses the newest key."))
