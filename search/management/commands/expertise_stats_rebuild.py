"""Recount every member's expertise statistics (the people search's ranking
data) from the evidence: after an import, or as a nightly safety net."""

from django.core.management.base import BaseCommand
from tqdm import tqdm

from profiles.models import User
from search.services import expertise_stats_rebuild


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options) -> None:
        with tqdm(
            total=User.objects.count(), unit="member", disable=options["verbosity"] < 1
        ) as bar:
            written = expertise_stats_rebuild(on_batch=bar.update)
        self.stdout.write(f"{written} expertise statistics written.")
