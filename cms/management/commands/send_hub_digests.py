"""Queue the weekly hub email for every subscribed member (run weekly)."""

from django.core.management.base import BaseCommand
from tqdm import tqdm

from cms.models import HubDigestSubscription
from cms.tasks import hub_weekly_digest


class Command(BaseCommand):
    help = "Queue the weekly hub digest for every subscribed, active member."

    def handle(self, *args, **options) -> None:
        member_ids = list(
            HubDigestSubscription.objects.filter(member__is_active=True).values_list(
                "member_id", flat=True
            )
        )
        for member_id in tqdm(
            member_ids,
            desc="hub digests",
            unit="member",
            disable=options.get("verbosity", 1) == 0,
            file=self.stderr._out,
        ):
            hub_weekly_digest.enqueue(member_id)
        self.stdout.write(f"Queued the weekly hub digest for {len(member_ids)} members.")
