"""Build the benchmark organisation (bench/generate.py) in an empty PostgreSQL database."""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from bench.generate import GenerationError, generate


class Command(BaseCommand):
    help = "Fill an empty, migrated PostgreSQL database with a benchmark organisation (COPY)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--people", type=int, default=50_000)
        parser.add_argument("--groups", type=int, default=2_000)
        parser.add_argument("--posts", type=int, default=1_000_000)
        parser.add_argument("--seed", type=int, default=1, help="Same seed, same data.")
        parser.add_argument("--flush", action="store_true", help="Empty the tables it fills first.")
        parser.add_argument(
            "--drop-indexes",
            action="store_true",
            help="Drop the big tables' secondary indexes for the load and rebuild them after.",
        )
        parser.add_argument(
            "--index-posts", action="store_true", help="Index posts and comments for search too."
        )

    def handle(self, *args, **options) -> None:
        show = options["verbosity"] > 0

        def bar(label: str, total: int):
            return tqdm(
                total=total,
                desc=f"{label:>28}",
                unit="row",
                unit_scale=True,
                disable=not show,
                file=self.stderr._out,
            )

        try:
            org = generate(
                people=options["people"],
                groups=options["groups"],
                posts=options["posts"],
                seed=options["seed"],
                flush=options["flush"],
                drop_indexes=options["drop_indexes"],
                index_posts=options["index_posts"],
                bar=bar,
            )
        except GenerationError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(org.summary())
        self.stdout.write(
            self.style.SUCCESS(
                f"Benchmark organisation ready: log in as {org.username(1)} ... "
                f"{org.username(org.subject_id - 1)} or {org.subject_username}, "
                f"password {org.password!r}; live groups {', '.join(org.live_groups)}."
            )
        )
