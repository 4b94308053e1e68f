import sys
from argparse import ArgumentTypeError
from datetime import UTC, datetime, timedelta

from django.core.management.base import BaseCommand, CommandError

from apps.core import clock
from apps.payments.errors import PaymentProviderUnavailable
from apps.payments.reconcile import RECENT, reconcile


def _moment(value: str) -> datetime:
    """A date (its midnight, UTC) or an ISO 8601 datetime (UTC unless it says otherwise)."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD) or an ISO 8601 datetime") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _days(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise ArgumentTypeError(f"{value!r} is not a whole number of days, 1 or more")
    return int(value)


class Command(BaseCommand):
    help = (
        "Compare our payments and refunds with the payment provider's books for a period "
        f"(default: the last {RECENT.days} days) and report every mismatch; with --repair, "
        "repair what is safe to repair. Exits with status 1 when a mismatch remains unrepaired."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--since", type=_moment, help="Start (inclusive): YYYY-MM-DD or ISO datetime, UTC")
        parser.add_argument("--until", type=_moment, help="End (exclusive): YYYY-MM-DD or ISO datetime; default now")
        parser.add_argument("--days", type=_days, help=f"Length of the period before --until (default {RECENT.days})")
        parser.add_argument("--provider", help="Only this provider (default: every provider the period used)")
        parser.add_argument("--repair", action="store_true", help="Repair what can safely be repaired")

    def handle(
        self,
        *args,
        since: datetime | None,
        until: datetime | None,
        days: int | None,
        provider: str | None,
        repair: bool,
        **options,
    ) -> None:
        if since is not None and days is not None:
            raise CommandError("Give --since or --days, not both.")
        end = until or clock.now()
        start = since or end - (timedelta(days=days) if days else RECENT)
        if start >= end:
            raise CommandError(f"--since ({start.isoformat()}) must be before --until ({end.isoformat()}).")
        try:
            report = reconcile(start=start, end=end, repair=repair, provider_name=provider)
        except LookupError as error:
            raise CommandError(str(error)) from error
        except PaymentProviderUnavailable as error:
            raise CommandError(f"The payment provider could not list its books: {error.detail}") from error
        self.stdout.write(report.as_table())
        summary = (
            f"checked {report.payments_checked} payments and {report.refunds_checked} refunds: "
            f"{len(report.mismatches)} mismatches, {len(report.repaired)} repaired"
        )
        if report.unrepaired:
            self.stdout.write(self.style.WARNING(summary))
            # Like `makemigrations --check`: a non-zero status lets cron or ops alert.
            sys.exit(1)
        self.stdout.write(self.style.SUCCESS(summary))
