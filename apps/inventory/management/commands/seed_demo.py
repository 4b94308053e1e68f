from django.conf import settings
from django.core.management.base import BaseCommand

from apps.accounts.services import demo_accounts_ensure
from apps.core import clock
from apps.inventory.demo import demo_network_ensure


class Command(BaseCommand):
    help = "Load the demo network and demo accounts. Safe to run again: nothing is duplicated."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--days", type=int, default=30, help="Days of flights from today (default 30)")

    def handle(self, *args, days: int, **options) -> None:
        flights = demo_network_ensure(start=clock.now().date(), days=days)
        self.stdout.write(f"Demo network ready: {flights} flights over {days} days.")
        created = demo_accounts_ensure(password=settings.DEMO_PASSWORD)
        if created:
            self.stdout.write(self.style.SUCCESS("Demo accounts created (password: DEMO_PASSWORD, see README):"))
            for account in created:
                self.stdout.write(f"  {account.role:<9} {account.email}  password: {settings.DEMO_PASSWORD}")
