from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand

from apps.accounts.services import demo_accounts_ensure
from apps.core import clock
from apps.inventory.demo import all_airports, demo_network_ensure
from apps.inventory.management.progress import ProgressBar


class Command(BaseCommand):
    help = "Load the demo network, its flights and fares, and the demo accounts. Safe to run again."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--days", type=int, default=90, help="Days of flights from today (default 90)")

    def handle(self, *args, days: int, **options) -> None:
        bar = ProgressBar(self.stdout, total=days, label="flights")

        def progress(day: date, flights: int) -> None:
            bar.advance(flights)

        created = demo_network_ensure(start=clock.now().date(), days=days, progress=progress)
        bar.finish()
        self.stdout.write(
            f"Demo network ready: {len(all_airports())} airports served, {created} new flights over {days} days."
        )
        created_accounts = demo_accounts_ensure(password=settings.DEMO_PASSWORD)
        if created_accounts:
            self.stdout.write(self.style.SUCCESS("Demo accounts created (password from DEMO_PASSWORD, see README):"))
            for account in created_accounts:
                self.stdout.write(f"  {account.role:<9} {account.email}  password: {settings.DEMO_PASSWORD}")
