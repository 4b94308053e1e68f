"""`manage.py serve`: Django's development server, plus the periodic jobs (expire holds,
sweep the outbox, reconcile payments, ...) in a thread when tasks run in-process, as
under `make run` where no Celery worker or beat runs."""

from __future__ import annotations

from django.conf import settings
from django.core.management.commands.runserver import Command as RunserverCommand

from apps.core.periodic import InProcessBeat


class Command(RunserverCommand):
    help = "Run the development server and, when tasks run in-process, the periodic jobs too."

    def inner_run(self, *args, **options):
        # inner_run is the serving process (the autoreloader's child), so one scheduler.
        if settings.CELERY_TASK_ALWAYS_EAGER:
            jobs = InProcessBeat().start()
            self.stdout.write(f"Periodic jobs run in this process: {', '.join(sorted(jobs.jobs))}")
        return super().inner_run(*args, **options)
