from django.core.management.base import BaseCommand, CommandError

from apps.flights import services


class Command(BaseCommand):
    help = (
        "Load every airport with an IATA code from airportsdata (names, cities, time zones, "
        "search text, traffic rank). Safe to run again: only what changed is written."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("codes", nargs="*", metavar="CODE", help="Only these IATA codes (default: all)")

    def handle(self, *args, codes: list[str], **options) -> None:
        try:
            summary = services.airports_import_summary(codes=codes or None)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Airports: {summary.created} created, {summary.updated} updated, "
                f"{summary.unchanged} unchanged ({summary.total} in all)."
            )
        )
        if summary.skipped:
            self.stdout.write(f"Skipped {summary.skipped} without a time zone.")
