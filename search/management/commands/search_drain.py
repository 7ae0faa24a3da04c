"""Send pending index changes to the search backend: once, or for ever as the
indexer process of the scale-out stack (retrying while the backend is down)."""

import time

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from search.services import outbox_drain


class Command(BaseCommand):
    help = "Drain the search outbox (--forever keeps draining every --interval seconds)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--forever", action="store_true")
        parser.add_argument("--interval", type=float, default=1.0)

    def handle(self, *args, forever: bool, interval: float, **options) -> None:
        while True:
            result = outbox_drain()
            if result.indexed or result.removed or result.failed:
                self.stdout.write(
                    f"indexed {result.indexed}, removed {result.removed}, "
                    f"waiting to retry {result.failed}"
                    + (f" ({result.error})" if result.error else "")
                )
            if not forever:
                return
            close_old_connections()
            time.sleep(interval)
