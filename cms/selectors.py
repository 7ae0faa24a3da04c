"""Reads of the hub: what may be shared now, and what sharing achieved, per
item, campaign and member (the same summary for each)."""

from __future__ import annotations

import hmac
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings as django_settings
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone

from community.querysets import count_of
from groups.selectors import posts_on_public_display
from metrics.models import EventKind, ParticipationEvent
from profiles.models import Profile
from profiles.selectors import kudos_list

from .models import (
    HubDigestSubscription,
    HubSettings,
    Network,
    ShareableItemPage,
    ShareClick,
    ShareLink,
)

TOP_SHARERS = 10


def shareable_items(now=None) -> QuerySet[ShareableItemPage]:
    return ShareableItemPage.objects.shareable(now).select_related("campaign")


def hub_digest_subscribed(member) -> bool:
    return HubDigestSubscription.objects.filter(member=member).exists()


def share_link_by_code(code: str) -> ShareLink | None:
    """The link behind a short code (any item state: the public page stays public)."""
    return ShareLink.objects.select_related("item__campaign").filter(code=code).first()


def share_texts_for(item: ShareableItemPage) -> dict[str, str]:
    return {network: item.suggested_text(network) for network in Network.values}


def hub_settings(request: HttpRequest | None = None) -> HubSettings:
    if request is not None:
        return HubSettings.for_request(request)
    from wagtail.models import Site

    site = Site.objects.filter(is_default_site=True).first()
    return HubSettings.for_site(site) if site else HubSettings()


@dataclass
class NetworkRow:
    network: str
    label: str
    shares: int = 0
    clicks: int = 0
    reach: int = 0

    @property
    def clicks_per_share(self) -> float:
        return round(self.clicks / self.shares, 2) if self.shares else 0.0


@dataclass
class ShareSummary:
    shares: int = 0
    clicks: int = 0
    reach: int = 0
    links: int = 0
    edited_links: int = 0
    clicks_per_edited_link: float = 0.0
    clicks_per_unedited_link: float = 0.0
    networks: list[NetworkRow] = field(default_factory=list)
    top_sharers: list[dict[str, Any]] = field(default_factory=list)

    @property
    def edited_share(self) -> float:
        """Share of links whose text the member changed, 0..1."""
        return round(self.edited_links / self.links, 2) if self.links else 0.0

    @property
    def clicks_per_share(self) -> float:
        return round(self.clicks / self.shares, 2) if self.shares else 0.0


SUMMARY_FIELDS = (
    "member_id",
    "member__profile__display_name",
    "member__username",
    "network",
    "shares",
    "suggested_text",
    "shared_text",
    "click_count",
)


def _summary_rows(links: QuerySet[ShareLink], *extra: str) -> list[dict[str, Any]]:
    return list(
        links.annotate(click_count=count_of(ShareClick.objects.all(), link="link")).values(
            *SUMMARY_FIELDS, *extra
        )
    )


def share_summary(links: QuerySet[ShareLink], settings: HubSettings) -> ShareSummary:
    """Shares, clicks, clicks per share and estimated reach (shares x the average
    audience of the network, set in the hub settings), per network; how often
    members edit the suggested text and whether edited shares earn more clicks;
    the top sharers by clicks. One query."""
    return _summarise(_summary_rows(links), settings)


def share_summaries_by(
    links: QuerySet[ShareLink], settings: HubSettings, *, key: str
) -> dict[Any, ShareSummary]:
    """One summary per value of `key` (e.g. the campaign), from one query."""
    groups: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for row in _summary_rows(links, key):
        groups[row[key]].append(row)
    return {value: _summarise(rows, settings) for value, rows in groups.items()}


def _summarise(rows: list[dict[str, Any]], settings: HubSettings) -> ShareSummary:
    summary = ShareSummary()
    per_network = {value: NetworkRow(value, label) for value, label in Network.choices}
    sharers: dict[int, dict[str, Any]] = {}
    edited_clicks: list[int] = []
    unedited_clicks: list[int] = []
    for row in rows:
        network = per_network[row["network"]]
        network.shares += row["shares"]
        network.clicks += row["click_count"]
        edited = " ".join(row["shared_text"].split()) != " ".join(row["suggested_text"].split())
        (edited_clicks if edited else unedited_clicks).append(row["click_count"])
        sharer = sharers.setdefault(
            row["member_id"],
            {
                "name": row["member__profile__display_name"] or row["member__username"],
                "username": row["member__username"],
                "shares": 0,
                "clicks": 0,
            },
        )
        sharer["shares"] += row["shares"]
        sharer["clicks"] += row["click_count"]
    for network in per_network.values():
        network.reach = network.shares * settings.reach_for(network.network)
    summary.networks = [row for row in per_network.values() if row.shares]
    summary.shares = sum(row.shares for row in summary.networks)
    summary.clicks = sum(row.clicks for row in summary.networks)
    summary.reach = sum(row.reach for row in summary.networks)
    summary.links = len(rows)
    summary.edited_links = len(edited_clicks)
    if edited_clicks:
        summary.clicks_per_edited_link = round(sum(edited_clicks) / len(edited_clicks), 2)
    if unedited_clicks:
        summary.clicks_per_unedited_link = round(sum(unedited_clicks) / len(unedited_clicks), 2)
    summary.top_sharers = sorted(
        sharers.values(), key=lambda s: (-s["clicks"], -s["shares"], s["name"])
    )[:TOP_SHARERS]
    return summary


def item_summary(item: ShareableItemPage, settings: HubSettings) -> ShareSummary:
    return share_summary(ShareLink.objects.filter(item=item), settings)


def campaign_summary(campaign, settings: HubSettings) -> ShareSummary:
    return share_summary(ShareLink.objects.filter(item__campaign=campaign), settings)


def member_impact(member, settings: HubSettings) -> tuple[ShareSummary, list[dict[str, Any]]]:
    """A member's own shares: totals, and per item what each network earned."""
    links = ShareLink.objects.filter(member=member)
    per_item: dict[int, dict[str, Any]] = defaultdict(lambda: {"networks": []})
    for link in (
        links.select_related("item")
        .annotate(click_count=count_of(ShareClick.objects.all(), link="link"))
        .order_by("-last_shared_at", "pk")
    ):
        entry = per_item[link.item_id]
        entry["item"] = link.item
        entry["networks"].append(
            {
                "network": link.get_network_display(),
                "shares": link.shares,
                "clicks": link.click_count,
            }
        )
    return share_summary(links, settings), list(per_item.values())


def items_with_totals() -> QuerySet[ShareableItemPage]:
    """Every item (live or not) with its share and click totals, for editors."""
    shares = (
        ShareLink.objects.filter(item=OuterRef("pk"))
        .order_by()
        .values("item")
        .annotate(total=Sum("shares"))
        .values("total")
    )
    return (
        ShareableItemPage.objects.select_related("campaign")
        .annotate(
            share_total=Coalesce(Subquery(shares, output_field=IntegerField()), 0),
            click_total=count_of(ShareClick.objects.all(), link="link__item"),
        )
        .order_by("-first_published_at", "pk")
    )


def user_may_see_hub_figures(user) -> bool:
    """Social editors and admins: whoever may edit the hub's pages."""
    from .models import SocialHubPage

    hub = SocialHubPage.objects.first()
    return bool(
        getattr(user, "is_authenticated", False)
        and hub is not None
        and hub.permissions_for_user(user).can_publish_subpage()
    )


def campaigns_with_summaries(settings: HubSettings) -> list[tuple[Any, ShareSummary]]:
    """Each campaign with its figures (one summary over all their links, split
    in Python: two queries whatever the number of campaigns)."""
    from .models import Campaign

    summaries = share_summaries_by(
        ShareLink.objects.filter(item__campaign__isnull=False), settings, key="item__campaign_id"
    )
    return [
        (campaign, summaries.get(campaign.pk, ShareSummary()))
        for campaign in Campaign.objects.all()
    ]


@dataclass
class WeeklyDigest:
    coming: list[ShareableItemPage]
    new: list[ShareableItemPage]
    shares: int
    clicks: int
    my_shares: int
    my_clicks: int
    top_item: ShareableItemPage | None

    def __bool__(self) -> bool:
        return bool(self.coming or self.new or self.shares)


def weekly_digest_for(member, *, now=None) -> WeeklyDigest:
    """The week ahead (items scheduled to go live in the next 7 days) and the week
    behind (items published, shares and clicks, the member's own and the item
    shared most), like a weekly social media challenge update."""
    now = now or timezone.now()
    week_ago, week_ahead = now - timedelta(days=7), now + timedelta(days=7)
    coming = list(
        ShareableItemPage.objects.filter(go_live_at__gt=now, go_live_at__lte=week_ahead)
        .public()
        .order_by("go_live_at", "pk")
    )
    new = list(
        shareable_items(now).filter(first_published_at__gt=week_ago).order_by("-first_published_at")
    )
    shares = ParticipationEvent.objects.filter(kind=EventKind.SHARE, occurred_at__gt=week_ago)
    clicks = ShareClick.objects.filter(created_at__gt=week_ago)
    top = (
        shares.filter(object_type="cms.shareableitempage")
        .values("object_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "object_id")
        .first()
    )
    return WeeklyDigest(
        coming=coming,
        new=new,
        shares=shares.count(),
        clicks=clicks.count(),
        my_shares=shares.filter(actor=member).count(),
        my_clicks=clicks.filter(link__member=member).count(),
        top_item=ShareableItemPage.objects.filter(pk=top["object_id"]).first() if top else None,
    )


WALL_ITEMS = 5
WALL_POSTS = 6
WALL_NEW_MEMBERS = 8
WALL_KUDOS = 4
NEW_MEMBER_DAYS = 14


@dataclass
class WallContent:
    items: list[ShareableItemPage]
    posts: list[Any]
    new_members: list[Any]
    kudos: list[Any]
    leaderboard: list[dict[str, Any]]


def kiosk_token_valid(token: str) -> bool:
    expected = django_settings.BUZZ_KIOSK_TOKEN
    return bool(expected) and hmac.compare_digest(token.encode(), expected.encode())


def wall_content(settings: HubSettings, *, now=None) -> WallContent:
    """What the restaurant screen shows to anyone passing: featured hub items,
    posts from open groups only (groups.selectors.posts_on_public_display), new
    members, kudos and this month's top sharers."""
    now = now or timezone.now()
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return WallContent(
        items=list(shareable_items(now).order_by("-featured", "-first_published_at")[:WALL_ITEMS]),
        posts=list(
            posts_on_public_display()
            .select_related("author__profile", "group")
            .order_by("-created_at", "-pk")[:WALL_POSTS]
        ),
        new_members=list(
            Profile.objects.filter(
                user__is_active=True,
                user__date_joined__gte=now - timedelta(days=NEW_MEMBER_DAYS),
            )
            .select_related("user", "department")
            .order_by("-user__date_joined", "-pk")[:WALL_NEW_MEMBERS]
        ),
        kudos=list(kudos_list()[:WALL_KUDOS]),
        leaderboard=share_summary(
            ShareLink.objects.filter(last_shared_at__gte=month_start, member__is_active=True),
            settings,
        ).top_sharers[:5],
    )


def campaign_names_of_items(item_ids) -> dict[int, str]:
    """Hub item id -> the name of its campaign (items without one are left out)."""
    return dict(
        ShareableItemPage.objects.filter(pk__in=list(item_ids), campaign__isnull=False).values_list(
            "pk", "campaign__name"
        )
    )


def network_labels() -> dict[str, str]:
    return {value: str(label) for value, label in Network.choices}
