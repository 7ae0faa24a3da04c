"""Rebuild search indexes from the database with zero downtime: Elasticsearch
loads a new index and swaps its alias; the database backend replaces its rows
in one transaction. Changes made meanwhile wait in the outbox."""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from search.backends import get_search_backend
from search.backends.base import SearchBackendError
from search.indexing import count_of_objects
from search.models import DocumentKind
from search.services import index_rebuild, outbox_drain


class Command(BaseCommand):
    help = "Rebuild the search index of every kind (or of --kind) from the database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--kind",
            action="append",
            choices=DocumentKind.values,
            help="Only this kind (repeatable); default: all.",
        )
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, kind: list[str] | None, batch_size: int, **options) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be 1 or more.")
        backend = get_search_backend()
        show_bar = options.get("verbosity", 1) > 0
        for name in kind or DocumentKind.values:
            with tqdm(
                total=count_of_objects(name),
                desc=f"{name:>8}",
                unit="doc",
                disable=not show_bar,
                file=self.stderr._out,
            ) as bar:
                try:
                    count = index_rebuild(
                        name, backend=backend, batch_size=batch_size, on_batch=bar.update
                    )
                except SearchBackendError as exc:
                    raise CommandError(
                        f"The {backend.name} search backend refused the rebuild of {name}: {exc}. "
                        "The old index is still serving; nothing was lost."
                    ) from exc
            self.stdout.write(f"{name}: {count} documents in the {backend.name} index")
        result = outbox_drain(backend=backend)
        self.stdout.write(
            self.style.SUCCESS(
                f"Reindexed. Outbox drained: {result.indexed} updated, {result.removed} removed."
            )
        )
