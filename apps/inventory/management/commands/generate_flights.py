from datetime import date

from django.core.management.base import BaseCommand, CommandError

from apps.flights import scheduling
from apps.inventory import services
from apps.inventory.management.progress import ProgressBar


class Command(BaseCommand):
    help = (
        "Generate the dated flights of every schedule between two dates (inclusive) and open their "
        "fares. Idempotent and resumable: each day is one transaction, existing flights are kept."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--start", type=date.fromisoformat, required=True, help="YYYY-MM-DD")
        parser.add_argument("--end", type=date.fromisoformat, required=True, help="YYYY-MM-DD")

    def handle(self, *args, start: date, end: date, **options) -> None:
        if end < start:
            raise CommandError("--end is before --start")
        bar = ProgressBar(self.stdout, total=(end - start).days + 1, label="flights")

        def open_fares(day: date, flights: list) -> None:
            services.fare_classes_open(flights=flights)
            bar.advance(len(flights))

        created = scheduling.flights_generate(start=start, end=end, on_day=open_fares)
        bar.finish()
        self.stdout.write(self.style.SUCCESS(f"{created:,} flights created from {start} to {end}."))
