from django.core.management.base import BaseCommand, CommandParser

from feed.models import DigestFrequency
from feed.services import digests_enqueue


class Command(BaseCommand):
    help = (
        "Queue the notification digest emails of one frequency (run daily and weekly, "
        "e.g. from cron; the task worker sends them)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--frequency",
            choices=[DigestFrequency.DAILY, DigestFrequency.WEEKLY],
            required=True,
        )

    def handle(self, *args, frequency: str, **options) -> None:
        queued = digests_enqueue(frequency=frequency)
        self.stdout.write(f"{queued} {frequency} digest(s) queued.")
