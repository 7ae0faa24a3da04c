from django.core.management.base import BaseCommand

from invites.services import invitation_reminders_enqueue


class Command(BaseCommand):
    help = "Queue one reminder for email invitations still open after a few days (run daily)."

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"{invitation_reminders_enqueue()} reminder(s) queued.")
