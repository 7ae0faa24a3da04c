"""Queue webhook deliveries whose next attempt is due (run every minute by the
scheduler in docker-compose.yml)."""

from django.core.management.base import BaseCommand

from webhooks.services import webhook_deliveries_retry


class Command(BaseCommand):
    help = "Queue the webhook deliveries whose next attempt is due."

    def handle(self, *args, **options) -> None:
        queued = webhook_deliveries_retry()
        if queued and options["verbosity"] > 0:
            self.stdout.write(f"queued {queued} webhook deliveries")
