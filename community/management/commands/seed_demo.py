from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from community.seeding import DEMO_ADMIN, DEMO_MEMBER, seed_demo


class Command(BaseCommand):
    help = (
        "Create a demo organisation: departments, people with expertise, groups, posts, hub items."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--people", type=int, default=200, help="Members to create (200).")
        parser.add_argument(
            "--seed", type=int, default=42, help="Random seed (same seed, same data)."
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when the database has users."
        )

    def handle(self, *args, people: int, seed: int, if_empty: bool, **options) -> None:
        if people < 0:
            raise CommandError("--people must be 0 or more.")
        if get_user_model().objects.exists():
            if if_empty:
                self.stdout.write("The database already has members: no demo data added.")
                self._print_logins()
                return
            raise CommandError(
                "The database already has members; seed_demo only fills an empty database "
                "(use a fresh DATABASE_URL, or delete var/buzz.sqlite3 for the default)."
            )
        show_bar = options.get("verbosity", 1) > 0

        def progress(items, label, total):
            return tqdm(
                items,
                desc=label,
                total=total,
                unit="batch",
                disable=not show_bar,
                file=self.stderr._out,
                leave=False,
            )

        summary = seed_demo(people=people, seed=seed, progress=progress)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo organisation created: {summary.people} people in {summary.departments} "
                f"departments, {summary.groups} groups, {summary.posts} posts, "
                f"{summary.comments} comments, {summary.hub_items} hub items."
            )
        )
        self._print_logins()

    def _print_logins(self) -> None:
        self.stdout.write(f"  Demo admin:  username {DEMO_ADMIN[0]!r}, password {DEMO_ADMIN[1]!r}")
        self.stdout.write(
            f"  Demo member: username {DEMO_MEMBER[0]!r}, password {DEMO_MEMBER[1]!r}"
        )
